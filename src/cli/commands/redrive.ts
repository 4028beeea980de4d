import { hostname, userInfo } from 'node:os';
import { UserInputError } from '../../errors.ts';
import { loadHandlers } from '../../local/handlers.ts';
import { isSettled, toRunResult } from '../../runtime/run-result.ts';
import type { RunControlAnswer, Runtime } from '../../runtime/types.ts';
import type { CliIo } from '../io.ts';
import {
  addStackFlags,
  assertRunHandlers,
  noSuchRun,
  reportRun,
  requireRun,
  type StackFlags,
  waitForRun,
  withLocalStack,
} from '../local-session.ts';
import { parseInputOption } from '../run-input.ts';
import type { RegisterCommand } from './index.ts';
import { EXIT_STATUS_HELP } from './run.ts';

interface ControlOptions extends StackFlags {
  readonly handlers?: string;
}

interface RedriveOptions extends ControlOptions {
  readonly input?: string;
  readonly from?: string;
}

const HANDLERS_HELP = 'run what follows in this process (when no weft process has the run)';

/**
 * `weft redrive <runId> [--input <json>|@file] [--from <task>]`: a paused run goes on. The tasks that
 * failed run again (with `--from`, that task and everything after it too); every other checkpoint is kept.
 */
export const registerRedrive: RegisterCommand = (program, io) => {
  const command = program
    .command('redrive')
    .description(
      'go on with a paused run: its failed tasks (or --from a task on) run again, the rest is kept',
    )
    .argument('<runId>', 'the paused run')
    .option('--input <json>', "replace the run's input: inline JSON or @file")
    .option('--from <task>', 'run this task and every task after it again too')
    .option('--handlers <module>', HANDLERS_HELP)
    .addHelpText('after', EXIT_STATUS_HELP);
  addStackFlags(command).action(async (runId: string, options: RedriveOptions) => {
    const input = options.input === undefined ? undefined : await parseInputOption(options.input);
    const request = {
      ...(input === undefined ? {} : { input }),
      ...(options.from === undefined ? {} : { from: options.from }),
      by: `${userInfo().username}@${hostname()}`,
    };
    await controlRun(io, runId, options, (runtime) => runtime.redrive(runId, request));
  });
};

/** `weft rollback <runId>`: a paused run stops and the Saga compensates what succeeded. */
export const registerRollback: RegisterCommand = (program, io) => {
  const command = program
    .command('rollback')
    .description('roll back a paused run: the Saga compensates every task that succeeded')
    .argument('<runId>', 'the paused run')
    .option('--handlers <module>', 'run the compensations in this process (when no weft process has the run)')
    .addHelpText('after', EXIT_STATUS_HELP);
  addStackFlags(command).action((runId: string, options: ControlOptions) =>
    controlRun(io, runId, options, (runtime) => runtime.rollback(runId)),
  );
};

/**
 * Records a redrive or a rollback, then waits for the run to settle where it runs: in the weft process that
 * holds it, or here with `--handlers`; prints the run and exits as `weft run` does.
 */
async function controlRun(
  io: CliIo,
  runId: string,
  options: ControlOptions,
  act: (runtime: Runtime) => Promise<RunControlAnswer>,
): Promise<void> {
  const { handlers: modulePath, ...flags } = options;
  const handlers = modulePath === undefined ? undefined : await loadHandlers(modulePath);
  const session = { ...flags, ...(handlers ? { handlers } : {}), existingRun: runId };
  await withLocalStack(io, session, async (stack, interrupted) => {
    const found = await requireRun(stack, runId, options.stateDir);
    const runsHere = handlers !== undefined && modulePath !== undefined && !stack.attached;
    if (runsHere) await assertRunHandlers(stack, found, handlers, modulePath);
    const answer = await act(stack.runtime);
    if (answer.kind === 'notFound') throw noSuchRun(runId, options.stateDir);
    if (answer.kind === 'refused') throw new UserInputError(answer.code, answer.message);
    if (runsHere) stack.startWorker();
    let view = (await stack.runtime.getRun(runId)) ?? found;
    if (!isSettled(view) && (stack.attached || runsHere)) {
      view = (await waitForRun(stack, runId, io, interrupted, options.stateDir)) ?? view;
    }
    if (isSettled(view)) {
      reportRun(io, view);
      return;
    }
    // recorded, but no process here or attached runs it: the run is not settled, which is no failure
    io.err(
      `weft: recorded; run ${runId} goes on once it is resumed: weft resume ${runId} --handlers <module>\n`,
    );
    io.out(`${JSON.stringify(toRunResult(view), null, 2)}\n`);
  });
}
