import { loadHandlers } from '../../local/handlers.ts';
import { isFinished, toRunResult } from '../../runtime/run-result.ts';
import type { CliIo } from '../io.ts';
import {
  addStackFlags,
  assertRunHandlers,
  requireRun,
  type StackFlags,
  waitForRun,
  withLocalStack,
} from '../local-session.ts';
import type { RegisterCommand } from './index.ts';

interface CancelOptions extends StackFlags {
  readonly handlers?: string;
}

/**
 * `weft cancel <runId>`: asks a local run to stop; no further task starts and the Saga rolls back what
 * succeeded. The compensations run in the process that runs the stack (the `weft run` still waiting on
 * the run), or here with `--handlers`; this command waits for them when someone runs them.
 */
export const registerCancel: RegisterCommand = (program, io) => {
  const command = program
    .command('cancel')
    .description('cancel a local run: no further task starts, and the Saga rolls back what succeeded')
    .argument('<runId>', 'the run')
    .option(
      '--handlers <module>',
      'run the compensations in this process (when no weft process has the run)',
    );
  addStackFlags(command).action((runId: string, options: CancelOptions) => cancel(io, runId, options));
};

async function cancel(io: CliIo, runId: string, options: CancelOptions): Promise<void> {
  const { handlers: modulePath, ...flags } = options;
  const handlers = modulePath === undefined ? undefined : await loadHandlers(modulePath);
  const session = { ...flags, ...(handlers ? { handlers } : {}), existingRun: runId };
  await withLocalStack(io, session, async (stack, interrupted) => {
    const found = await requireRun(stack, runId, options.stateDir);
    if (isFinished(found))
      io.err(`weft: run ${runId} had already finished (${found.status}); nothing to cancel\n`);
    // An attached stack's host runs the rollback; otherwise this process does, given the handlers.
    const runsHere = handlers !== undefined && modulePath !== undefined && !stack.attached;
    if (runsHere) await assertRunHandlers(stack, found, handlers, modulePath);
    let view = (await stack.runtime.cancel(runId)) ?? found;
    if (runsHere) stack.startWorker();
    if (!isFinished(view) && (stack.attached || runsHere)) {
      view = (await waitForRun(stack, runId, io, interrupted, options.stateDir)) ?? view;
    } else if (!isFinished(view)) {
      io.err(
        `weft: cancellation of ${runId} recorded; its rollback runs once the run is resumed: ` +
          `weft resume ${runId} --handlers <module>\n`,
      );
    }
    io.out(`${JSON.stringify(toRunResult(view), null, 2)}\n`);
  });
}
