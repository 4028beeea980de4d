import { toRunResult } from '../../runtime/run-result.ts';
import type { CliIo } from '../io.ts';
import { addStackFlags, requireRun, type StackFlags, withLocalStack } from '../local-session.ts';
import type { RegisterCommand } from './index.ts';

/** `weft status <runId>`: prints a local run's state as JSON (the shape `weft run` prints, plus its workflow). */
export const registerStatus: RegisterCommand = (program, io) => {
  const command = program
    .command('status')
    .description("print a local run's current state as JSON")
    .argument('<runId>', 'the run');
  addStackFlags(command).action((runId: string, options: StackFlags) => status(io, runId, options));
};

async function status(io: CliIo, runId: string, flags: StackFlags): Promise<void> {
  await withLocalStack(io, { ...flags, existingRun: runId }, async (stack) => {
    const view = await requireRun(stack, runId, flags.stateDir);
    io.out(`${JSON.stringify({ ...toRunResult(view), workflow: view.workflow }, null, 2)}\n`);
  });
}
