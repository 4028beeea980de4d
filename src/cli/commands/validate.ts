import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { compileWorkflowFiles, listWorkflowFiles } from '../../files/workflows.ts';
import { printable } from '../../printable.ts';
import { formatDiagnostic } from '../../workflow/index.ts';
import type { CliIo } from '../io.ts';

/**
 * `weft validate <path>...`: checks each workflow file (a folder stands for its `*.yaml`, `*.yml` and
 * `*.json` files), printing `ok <file>: N tasks, M edges` or every mistake as `file:line:col: message` on
 * stderr. Two files with the same workflow name are a mistake too. Exits 1 when any file is invalid or
 * unreadable.
 */
export function registerValidate(program: Command, io: CliIo): void {
  program
    .command('validate')
    .description('check workflow files; print every mistake as file:line:col: message')
    .argument('<paths...>', 'workflow files (.yaml, .yml or .json) or folders of them')
    .action(async (paths: string[]) => {
      const files: string[] = [];
      for (const path of paths) {
        const isFolder = await stat(path).then(
          (stats) => stats.isDirectory(),
          () => false,
        );
        files.push(...(isFolder ? await listWorkflowFiles(path) : [path]));
      }
      // A file named twice (itself and through its folder) is checked once.
      for (const outcome of await compileWorkflowFiles([...new Set(files)])) {
        if ('unreadable' in outcome) {
          io.err(`weft: ${printable(outcome.unreadable.message)}\n`);
          io.exitCode = 1;
        } else if ('diagnostics' in outcome) {
          io.err(outcome.diagnostics.map((d) => `${formatDiagnostic(d)}\n`).join(''));
          io.exitCode = 1;
        } else {
          const tasks = Object.values(outcome.plan.tasks);
          const edges = tasks.reduce((sum, task) => sum + task.deps.length, 0);
          io.out(`ok ${printable(outcome.file)}: ${count(tasks.length, 'task')}, ${count(edges, 'edge')}\n`);
        }
      }
    });
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
