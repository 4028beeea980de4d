import { loadHandlers } from '../../local/handlers.ts';
import { isFinished } from '../../runtime/run-result.ts';
import type { CliIo } from '../io.ts';
import {
  addStackFlags,
  assertRunHandlers,
  interruptedNotice,
  reportRun,
  requireRun,
  type StackFlags,
  waitForRun,
  withLocalStack,
} from '../local-session.ts';
import type { RegisterCommand } from './index.ts';
import { EXIT_STATUS_HELP } from './run.ts';

interface ResumeOptions extends StackFlags {
  readonly handlers: string;
}

/**
 * `weft resume <runId> --handlers <module>`: finishes a run whose process died. The recovery pass at start
 * takes over the dead process's attempts at once; checkpointed tasks are not run again.
 */
export const registerResume: RegisterCommand = (program, io) => {
  const command = program
    .command('resume')
    .description('finish a local run whose process was stopped or killed, and print its result as JSON')
    .argument('<runId>', 'the run to finish')
    .requiredOption('--handlers <module>', 'module whose named exports are the handlers (.ts or .js)')
    .addHelpText('after', EXIT_STATUS_HELP);
  addStackFlags(command).action((runId: string, options: ResumeOptions) => resume(io, runId, options));
};

async function resume(io: CliIo, runId: string, options: ResumeOptions): Promise<void> {
  // a finished run needs no handlers: its result is printed whatever the module holds
  const loaded = await loadHandlers(options.handlers).then(
    (handlers) => ({ handlers }),
    (error: unknown) => ({ error }),
  );
  const handlers = 'handlers' in loaded ? loaded.handlers : {};
  await withLocalStack(io, { ...options, handlers, existingRun: runId }, async (stack, interrupted) => {
    const found = await requireRun(stack, runId, options.stateDir);
    if (isFinished(found)) {
      io.err(`weft: run ${runId} had already finished (${found.status})\n`);
      reportRun(io, found);
      return;
    }
    if ('error' in loaded) throw loaded.error;
    await assertRunHandlers(stack, found, handlers, options.handlers);
    stack.startWorker();
    const view = await waitForRun(stack, runId, io, interrupted, options.stateDir);
    if (view === undefined) interruptedNotice(io, runId, options.handlers, options.stateDir);
    else reportRun(io, view);
  });
}
