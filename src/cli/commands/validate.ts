import type { Command } from 'commander';
import { UserInputError } from '../../errors.ts';
import { readWorkflowText } from '../../files/workflows.ts';
import { compileSource, formatDiagnostic } from '../../workflow/index.ts';
import type { CliIo } from '../io.ts';

/**
 * `weft validate <file>...`: checks each file, printing `ok <file>: N tasks, M edges` or every mistake as
 * `file:line:col: message` on stderr. Exits 1 when any file is invalid or unreadable.
 */
export function registerValidate(program: Command, io: CliIo): void {
  program
    .command('validate')
    .description('check workflow files; print every mistake as file:line:col: message')
    .argument('<files...>', 'workflow files (.yaml, .yml or .json)')
    .action(async (files: string[]) => {
      for (const file of files) {
        let text: string;
        try {
          text = await readWorkflowText(file);
        } catch (error) {
          if (!(error instanceof UserInputError)) throw error;
          io.err(`weft: ${error.message}\n`);
          io.exitCode = 1;
          continue;
        }
        const result = compileSource(text, file);
        if (!result.ok) {
          io.err(result.diagnostics.map((d) => `${formatDiagnostic(d)}\n`).join(''));
          io.exitCode = 1;
          continue;
        }
        const tasks = Object.values(result.plan.tasks);
        const edges = tasks.reduce((sum, task) => sum + task.deps.length, 0);
        io.out(
          `ok ${file}: ${tasks.length} ${tasks.length === 1 ? 'task' : 'tasks'}, ${edges} ${edges === 1 ? 'edge' : 'edges'}\n`,
        );
      }
    });
}
