import type { CliIo } from '../io.ts';
import { addStackFlags, noSuchRun, type StackFlags, withLocalStack } from '../local-session.ts';
import type { RegisterCommand } from './index.ts';

/** `weft history <runId>`: prints a local run's state changes, in Lamport order, as a JSON array. */
export const registerHistory: RegisterCommand = (program, io) => {
  const command = program
    .command('history')
    .description("print a local run's events in Lamport order as a JSON array")
    .argument('<runId>', 'the run');
  addStackFlags(command).action((runId: string, options: StackFlags) => history(io, runId, options));
};

async function history(io: CliIo, runId: string, flags: StackFlags): Promise<void> {
  await withLocalStack(io, { ...flags, existingRun: runId }, async (stack) => {
    const events = await stack.runtime.history(runId);
    if (events === undefined) throw noSuchRun(runId, flags.stateDir);
    io.out(`${JSON.stringify(events, null, 2)}\n`);
  });
}
