import type { Command } from 'commander';
import { readPlanFile } from '../../files/workflows.ts';
import type { CliIo } from '../io.ts';

/** `weft plan <file>`: prints the compiled plan as JSON on stdout. */
export function registerPlan(program: Command, io: CliIo): void {
  program
    .command('plan')
    .description('compile a workflow and print its plan as JSON')
    .argument('<file>', 'workflow file (.yaml, .yml or .json)')
    .action(async (file: string) => {
      io.out(`${JSON.stringify(await readPlanFile(file), null, 2)}\n`);
    });
}
