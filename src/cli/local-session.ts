import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { UserInputError } from '../errors.ts';
import {
  BACKENDS,
  type BackendName,
  type LocalBackend,
  SQLITE_SYNCHRONOUS,
  type SqliteSynchronous,
} from '../local/backend.ts';
import { guardProcessExit } from '../local/exit-guard.ts';
import { assertHandlers } from '../local/handlers.ts';
import { openBackend } from '../local/open-backend.ts';
import { hasSqliteState } from '../local/sqlite-backend.ts';
import { openLocalStack } from '../local/stack.ts';
import { printable } from '../printable.ts';
import { exitCodeFor, isSettled, toRunResult } from '../runtime/run-result.ts';
import type { HandlerRegistry, RunView } from '../runtime/types.ts';
import type { Plan } from '../workflow/plan.ts';
import type { CliIo } from './io.ts';
import { ProgressView } from './progress.ts';

/** The default `--state-dir`. */
export const DEFAULT_STATE_DIR = '.weft';

/** How often a waiting command reads the run. */
const POLL_MS = 100;

/** The options every local command takes to find its database and queue. */
export interface StackFlags {
  readonly backend?: BackendName;
  readonly stateDir: string;
  readonly synchronous?: SqliteSynchronous;
  readonly dynamodbEndpoint?: string;
  readonly sqsEndpoint?: string;
  readonly table?: string;
  readonly queue?: string;
}

/** Adds the backend options (`--backend`, `--state-dir`, ...) to a local command. */
export function addStackFlags(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--backend <name>',
        'where runs live: sqlite (embedded, default), emulators (embedded DynamoDB and SQS), aws (the AWS SDK endpoints)',
      )
        .choices(BACKENDS)
        .env('WEFT_BACKEND'),
    )
    .addOption(new Option('--state-dir <dir>', 'where the local database lives').default(DEFAULT_STATE_DIR))
    .addOption(
      new Option(
        '--synchronous <mode>',
        'sqlite: normal (survives a crash of the process) or full (also a power loss; slower commits)',
      )
        .choices(SQLITE_SYNCHRONOUS)
        .env('WEFT_SQLITE_SYNCHRONOUS'),
    )
    .option(
      '--dynamodb-endpoint <url>',
      'emulators/aws: use this DynamoDB (DynamoDB Local, LocalStack) instead of the embedded or default one',
    )
    .option(
      '--sqs-endpoint <url>',
      'emulators/aws: use this SQS (LocalStack) instead of the embedded or default one',
    )
    .addOption(
      new Option('--table <name>', 'aws: the DynamoDB table (created when absent)').env('WEFT_TABLE'),
    )
    .addOption(new Option('--queue <name>', 'aws: the SQS queue (created when absent)').env('WEFT_QUEUE'));
}

/** The backend the flags name: `--backend`, else `emulators` when an endpoint is given, else `sqlite`. */
export function backendOf(flags: StackFlags): BackendName {
  if (flags.backend !== undefined) return flags.backend;
  return flags.dynamodbEndpoint !== undefined || flags.sqsEndpoint !== undefined ? 'emulators' : 'sqlite';
}

/** Whether the state dir holds nothing for this backend yet (so no run can be found there). */
function isFresh(flags: StackFlags): boolean {
  switch (backendOf(flags)) {
    case 'sqlite':
      return !hasSqliteState(flags.stateDir);
    case 'emulators':
      return flags.dynamodbEndpoint === undefined && !existsSync(join(flags.stateDir, 'dynamodb'));
    case 'aws':
      return false;
  }
}

/** What a command needs from the state dir. */
export interface SessionOptions extends StackFlags {
  readonly plans?: readonly Plan[];
  readonly handlers?: HandlerRegistry;
  /**
   * For commands about an existing run: fail, naming it, instead of creating a database when the state dir
   * holds none.
   */
  readonly existingRun?: string;
  /**
   * Start executing tasks (the poller, and the reaper unless attached) as soon as the stack is open.
   * Default false: a command checks what it needs first, then calls `stack.startWorker()`.
   */
  readonly worker?: boolean;
}

/**
 * Opens the state dir (starting the embedded stack or connecting to the live one), runs `use`, and closes
 * it again, also when the user presses Ctrl-C: the run stays in the database, and `weft resume` finishes it.
 */
export async function withLocalStack<T>(
  io: CliIo,
  options: SessionOptions,
  use: (stack: LocalBackend, interrupted: AbortSignal) => Promise<T>,
): Promise<T> {
  if (options.existingRun !== undefined && isFresh(options)) {
    throw noSuchRun(options.existingRun, options.stateDir);
  }
  const stack = await openBackend({
    backend: backendOf(options),
    stateDir: options.stateDir,
    ...(options.synchronous === undefined ? {} : { synchronous: options.synchronous }),
    ...(options.dynamodbEndpoint === undefined ? {} : { dynamodbEndpoint: options.dynamodbEndpoint }),
    ...(options.sqsEndpoint === undefined ? {} : { sqsEndpoint: options.sqsEndpoint }),
    ...(options.table === undefined ? {} : { tableName: options.table }),
    ...(options.queue === undefined ? {} : { queueName: options.queue }),
    plans: options.plans ?? [],
    handlers: options.handlers ?? {},
    worker: options.worker ?? false,
    // Infrastructure trouble (a failed queue call, a failed recovery pass): shown, never silent; handler
    // errors are not reported here but recorded on their task.
    onError: (error) =>
      io.err(`weft: warning: ${printable(error instanceof Error ? error.message : String(error))}\n`),
  });
  // a handler's process.exit fails its attempt instead of ending weft without a word
  const guard = guardProcessExit((error) => {
    io.err(`weft: ${error.message.replace('the handler', 'a handler, outside any attempt,')}; stopping\n`);
    guard.exit(1);
  });
  const interrupted = new AbortController();
  // the first signal stops taking work and lets running attempts finish within the grace; a second exits
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted.signal.aborted) {
      io.err(`weft: ${signal} again: exiting now; what still ran is taken over by the next weft resume\n`);
      guard.exit(exitForSignal(signal));
    }
    lastSignal = signal;
    io.err(
      `weft: ${signal}: stopping; running attempts have ${Math.round(graceMs() / 1000)} s to finish ` +
        '(a second signal exits at once)\n',
    );
    interrupted.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await use(stack, interrupted.signal);
  } finally {
    await stack.close(interrupted.signal.aborted ? { graceMs: graceMs() } : {});
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    guard.restore();
    // A handler that ignores its abort signal must not keep an interrupted process alive: its attempt
    // is taken over by the next `weft resume`.
    if (interrupted.signal.aborted) setTimeout(() => process.exit(), 1_000).unref();
  }
}

/** How long running attempts may finish after a stop signal: `WEFT_SHUTDOWN_GRACE_MS`, default 10 s. */
function graceMs(): number {
  const configured = Number(process.env.WEFT_SHUTDOWN_GRACE_MS);
  return Number.isFinite(configured) && configured >= 0 ? configured : 10_000;
}

/** The conventional exit status after a signal: 128 + its number (130 for SIGINT, 143 for SIGTERM). */
function exitForSignal(signal: NodeJS.Signals): number {
  return signal === 'SIGINT' ? 130 : 143;
}

/** Reads a run, or fails with a message naming the state dir that was searched. */
export async function requireRun(stack: LocalBackend, runId: string, stateDir: string): Promise<RunView> {
  const view = await stack.runtime.getRun(runId);
  if (view === undefined) throw noSuchRun(runId, stateDir);
  return view;
}

/** The error for a run id the state dir does not hold. */
export function noSuchRun(runId: string, stateDir: string): UserInputError {
  return new UserInputError('run.notFound', `no run '${runId}' in state dir '${stateDir}'`);
}

/**
 * Checks that the handlers cover the plan the run is pinned to (read from the table), before this process
 * executes anything of it.
 */
export async function assertRunHandlers(
  stack: LocalBackend,
  view: RunView,
  handlers: HandlerRegistry,
  modulePath: string,
): Promise<void> {
  const plan = await stack.loadPlan(view.workflow, view.planVersion);
  if (plan !== undefined) assertHandlers([plan], handlers, modulePath);
}

/**
 * Waits until the run is final, showing its progress on stderr, and returns it; undefined when the user
 * interrupted the wait.
 */
export async function waitForRun(
  stack: LocalBackend,
  runId: string,
  io: CliIo,
  interrupted: AbortSignal,
  stateDir: string,
): Promise<RunView | undefined> {
  const progress = new ProgressView(io, {
    // the host's emulators may close between the view and this read: the view says what happened
    history: () =>
      stack.runtime.history(runId).catch((error: unknown) => {
        if (stack.backend === 'emulators' && stack.attached && isConnectionError(error)) return undefined;
        throw error;
      }),
  });
  for (;;) {
    let view: RunView | undefined;
    try {
      view = await stack.runtime.getRun(runId);
    } catch (error) {
      if (stack.backend !== 'emulators' || !stack.attached || !isConnectionError(error)) throw error;
      // The host finished (the run often with it) and closed its emulators: read the state dir ourselves.
      view = await readAfterHostExit(stateDir, runId);
      if (view === undefined || !isSettled(view)) throw hostGone(stack, runId);
    }
    if (view !== undefined) {
      await progress.update(view);
      if (isSettled(view)) return view;
    }
    if (interrupted.aborted) return undefined;
    await Promise.race([stack.changed(runId, POLL_MS), sleep(POLL_MS, interrupted)]);
  }
}

/** Prints the result document on stdout and sets the exit status it implies. */
export function reportRun(io: CliIo, view: RunView): void {
  io.out(`${JSON.stringify(toRunResult(view), null, 2)}\n`);
  io.exitCode = exitCodeFor(view);
  if (view.status === 'paused') pausedNotice(io, view);
}

/** What a paused run waits for, and the commands that give it. */
function pausedNotice(io: CliIo, view: RunView): void {
  const error = view.error;
  const why = error
    ? `${error.taskId ? `task ${error.taskId} failed: ` : ''}${error.name}: ${error.message}`
    : '';
  io.err(
    `weft: run ${view.runId} is paused (${why}); nothing was compensated. Go on with ` +
      `weft redrive ${view.runId} --handlers <module> [--input @file] [--from <task>], ` +
      `or undo it with weft rollback ${view.runId} --handlers <module>\n`,
  );
}

/** What to say when Ctrl-C stopped a wait: the run goes on when resumed. */
export function interruptedNotice(io: CliIo, runId: string, handlersModule: string, stateDir: string): void {
  const dir = stateDir === DEFAULT_STATE_DIR ? '' : ` --state-dir ${stateDir}`;
  io.err(
    `weft: interrupted; run ${runId} is saved. Finish it with: weft resume ${runId} --handlers ${handlersModule}${dir}\n`,
  );
  io.exitCode = exitForSignal(lastSignal ?? 'SIGINT');
}

/** The signal that interrupted this process's wait, if one did: it decides the exit status. */
let lastSignal: NodeJS.Signals | undefined;

/** Reads a run from the state dir once the process that held it has exited (it may take a moment). */
async function readAfterHostExit(stateDir: string, runId: string): Promise<RunView | undefined> {
  for (let attempt = 0; attempt < 30; attempt += 1) {
    try {
      const stack = await openLocalStack({ stateDir, plans: [], handlers: {}, worker: false });
      try {
        return await stack.runtime.getRun(runId);
      } finally {
        await stack.close();
      }
    } catch {
      await sleep(100);
    }
  }
  return undefined;
}

/** The process whose stack this one used has exited: the run is safe in its state dir. */
function hostGone(stack: LocalBackend, runId: string): UserInputError {
  return new UserInputError(
    'stack.gone',
    `the weft process ${stack.hostPid} that ran the local stack has stopped; ` +
      `finish run ${runId} with: weft resume ${runId} --handlers <module>`,
  );
}

function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EPIPE';
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
