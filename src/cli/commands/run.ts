import { UserInputError, WeftError } from '../../errors.ts';
import { readWorkflowSet } from '../../files/workflows.ts';
import { assertHandlers, loadHandlers } from '../../local/handlers.ts';
import { WorkflowError } from '../../workflow/index.ts';
import type { Plan } from '../../workflow/plan.ts';
import type { CliIo } from '../io.ts';
import {
  addStackFlags,
  interruptedNotice,
  reportRun,
  type StackFlags,
  waitForRun,
  withLocalStack,
} from '../local-session.ts';
import { parseInputOption } from '../run-input.ts';
import type { RegisterCommand } from './index.ts';

interface RunOptions extends StackFlags {
  readonly handlers: string;
  readonly input?: string;
  readonly runId?: string;
}

/** Exit statuses, as every command that waits for a run documents them. */
export const EXIT_STATUS_HELP =
  '\nExit status: 0 succeeded; 2 failed or cancelled, and rolled back (or nothing to roll back);\n' +
  '3 rollback incomplete; 4 paused (on_failure: pause); 1 invalid workflow, missing handlers or bad usage.\n';

/** `weft run <workflow> --handlers <module>`: runs a workflow on the embedded stack and prints its result. */
export const registerRun: RegisterCommand = (program, io) => {
  const command = program
    .command('run')
    .description(
      'run a workflow locally (embedded SQLite by default, see --backend) and print its result as JSON',
    )
    .argument('<workflow>', 'workflow file (.yaml, .yml or .json)')
    .requiredOption('--handlers <module>', 'module whose named exports are the handlers (.ts or .js)')
    .option('--input <json|@file>', 'the run input: inline JSON, or @path to a JSON file (default: {})')
    .option('--run-id <id>', 'the run id; the same id again starts nothing new and returns that run')
    .addHelpText('after', EXIT_STATUS_HELP);
  addStackFlags(command).action((workflow: string, options: RunOptions) =>
    runWorkflow(io, workflow, options),
  );
};

async function runWorkflow(io: CliIo, workflowFile: string, options: RunOptions): Promise<void> {
  let plans: Plan[];
  try {
    // the file's workflow first, then the child workflows it runs, from the same folder
    plans = await readWorkflowSet(workflowFile);
  } catch (error) {
    if (!(error instanceof WorkflowError)) throw error;
    // The diagnostics are `path:line:col: message` lines, printed as they are so editors can jump to them.
    io.err(`${error.message}\n`);
    io.exitCode = 1;
    return;
  }
  const plan = plans[0] as Plan;
  const handlers = await loadHandlers(options.handlers);
  assertHandlers(plans, handlers, options.handlers);
  const input = await parseInputOption(options.input);
  await withLocalStack(io, { ...options, plans, handlers }, async (stack, interrupted) => {
    stack.startWorker();
    const request = {
      workflow: plan.name,
      input,
      ...(options.runId === undefined ? {} : { runId: options.runId }),
    };
    // mode: sync: this process runs the critical path itself (no queue hop), then waits for the rest
    const { runId, created } = await submit(() =>
      plan.mode === 'sync'
        ? stack.runtime.run(request, {
            waitMs: Number.POSITIVE_INFINITY,
            changed: (id, ms) => stack.changed(id, ms),
          })
        : stack.runtime.submit(request),
    );
    if (stack.attached) io.err(`weft: process ${stack.hostPid} also works in '${options.stateDir}'\n`);
    if (!created) io.err(`weft: run ${runId} already exists; nothing new is started\n`);
    const view = await waitForRun(stack, runId, io, interrupted, options.stateDir);
    if (view === undefined) interruptedNotice(io, runId, options.handlers, options.stateDir);
    else reportRun(io, view);
  });
}

/** A duplicate run id with another workflow or input is the user's mistake, not a crash. */
async function submit<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof WeftError && error.code === 'run.conflict' && !(error instanceof UserInputError)) {
      throw new UserInputError('run.conflict', error.message, { cause: error });
    }
    throw error;
  }
}
