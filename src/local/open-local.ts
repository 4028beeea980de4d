import { stat } from 'node:fs/promises';
import { UserInputError } from '../errors.ts';
import { readPlanDir, readWorkflowSet } from '../files/workflows.ts';
import { awaitRun } from '../runtime/await-run.ts';
import { type RunResult, toRunResult } from '../runtime/run-result.ts';
import type {
  CallbackAnswer,
  CallbackRequest,
  HandlerRegistry,
  HistoryEvent,
  Json,
  RunControlAnswer,
  SubmitResult,
} from '../runtime/types.ts';
import { childLinkProblems } from '../workflow/child-links.ts';
import type { Plan } from '../workflow/plan.ts';
import type { BackendName, SqliteSynchronous } from './backend.ts';
import { assertHandlers, assertIsolatable, loadHandlers } from './handlers.ts';
import { openBackend } from './open-backend.ts';

export interface OpenLocalOptions {
  /** A folder of workflow files, one workflow file, or compiled plans. */
  readonly workflows: string | readonly Plan[];
  /** A handlers module's path, or the handlers themselves by name. */
  readonly handlers: string | HandlerRegistry;
  /** Default `.weft`. */
  readonly stateDir?: string;
  /** Default `sqlite`. */
  readonly backend?: BackendName;
  /** `sqlite`: `normal` (default, survives a process crash) or `full` (also a power loss). */
  readonly synchronous?: SqliteSynchronous;
  /** Task attempts run at once. Default 32 (sqlite), 10 (emulators, aws). */
  readonly concurrency?: number;
  /** Told about infrastructure trouble (a failed recovery pass, a failed queue call). */
  readonly onError?: (error: unknown) => void;
}

export interface SubmitOptions {
  /** The run id; the same id again starts nothing new (`created: false`). */
  readonly runId?: string;
  /** Another way to submit idempotently: the same key always names the same run. */
  readonly idempotencyKey?: string;
}

/** A submission's answer (`run`): the run settled, a sync run's critical path final, or the wait over. */
export interface LocalRunAnswer extends SubmitResult {
  /**
   * `settled`: final (its rollback included) or paused; `answered`: a `mode: sync` run whose critical path
   * is final while its `mode: async` tasks (`pending`) still run; `pending`: the wait ran out (the run goes on).
   */
  readonly kind: 'settled' | 'answered' | 'pending';
  /** The run as `weft run` prints it (absent only for a run that vanished). */
  readonly result?: RunResult;
  readonly pending?: readonly string[];
}

/** A local engine: submit runs, wait for them, read them. */
export interface LocalEngine {
  submit(workflow: string, input?: Json, options?: SubmitOptions): Promise<SubmitResult>;
  /**
   * Submits and waits for the answer, as `POST /workflows/{name}/runs?wait=` does: for a `mode: sync`
   * workflow this process runs the critical path itself (and its Saga) before answering. `timeoutMs`
   * (default: no limit) bounds the wait; the run goes on after it.
   */
  run(
    workflow: string,
    input?: Json,
    options?: SubmitOptions & { readonly timeoutMs?: number },
  ): Promise<LocalRunAnswer>;
  /**
   * Resolves with the run as `weft run` prints it once the run is final (its rollback included), or paused.
   * @throws UserInputError `run.notFound`, or `run.waitTimeout` after `timeoutMs` (the run goes on).
   */
  wait(runId: string, options?: { readonly timeoutMs?: number }): Promise<RunResult>;
  /** The run as it is now, or undefined. */
  get(runId: string): Promise<RunResult | undefined>;
  history(runId: string): Promise<readonly HistoryEvent[] | undefined>;
  /** Stops the run; the Saga rolls back what succeeded. Returns the run as it is afterwards. */
  cancel(runId: string): Promise<RunResult | undefined>;
  /**
   * Redrives a paused run (`on_failure: pause`): its failed tasks, or `from` a task on, run again, with
   * `input` replacing the run's input if given. Returns the run afterwards, undefined for an unknown run.
   * @throws UserInputError `run.notPaused`, `redrive.unknownTask`, `redrive.taskBusy`, `input.tooLarge`.
   */
  redrive(
    runId: string,
    options?: { readonly input?: Json; readonly from?: string; readonly by?: string },
  ): Promise<RunResult | undefined>;
  /** Rolls back a paused run (the Saga runs). @throws UserInputError `run.notPaused`. */
  rollback(runId: string): Promise<RunResult | undefined>;
  /**
   * Completes a callback task by its token (from `ctx.callback.token`, or the run's view) with its output
   * or an error; a token is accepted once.
   */
  callback(token: string, request: CallbackRequest): Promise<CallbackAnswer>;
  /** A heartbeat of a waiting callback task. */
  heartbeat(token: string): Promise<CallbackAnswer>;
  /** Stops executing; unfinished runs stay in the state dir and go on at the next open. */
  close(): Promise<void>;
}

/**
 * Opens weft in this process: the same engine as `weft run`, on the embedded SQLite store by default.
 *
 * @example
 * import { openLocal } from 'weft-run';
 * const engine = await openLocal({ workflows: 'workflows/', handlers: { credit_check }, stateDir: '.weft' });
 * const { runId } = await engine.submit('loan_approval', { applicant: { id: 'A-1' } });
 * const result = await engine.wait(runId, { timeoutMs: 30_000 });
 * await engine.close();
 */
export async function openLocal(options: OpenLocalOptions): Promise<LocalEngine> {
  const plans = await readPlans(options.workflows);
  const handlers =
    typeof options.handlers === 'string' ? await loadHandlers(options.handlers) : options.handlers;
  assertHandlers(plans, handlers, typeof options.handlers === 'string' ? options.handlers : 'handlers');
  assertIsolatable(plans, handlers);
  const backend = await openBackend({
    backend: options.backend ?? 'sqlite',
    stateDir: options.stateDir ?? '.weft',
    plans,
    handlers,
    worker: true,
    ...(options.synchronous === undefined ? {} : { synchronous: options.synchronous }),
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    ...(options.onError === undefined ? {} : { onError: options.onError }),
  });
  const { runtime } = backend;
  const control = async (runId: string, answer: RunControlAnswer): Promise<RunResult | undefined> => {
    if (answer.kind === 'notFound') return undefined;
    if (answer.kind === 'refused') throw new UserInputError(answer.code, answer.message);
    const view = await runtime.getRun(runId);
    return view === undefined ? undefined : toRunResult(view);
  };
  return {
    submit: (workflow, input = {}, submit = {}) => runtime.submit({ workflow, input, ...submit }),
    async run(workflow, input = {}, { timeoutMs, ...submit } = {}) {
      const answer = await runtime.run(
        { workflow, input, ...submit },
        { waitMs: timeoutMs ?? Number.POSITIVE_INFINITY, changed: (id, ms) => backend.changed(id, ms) },
      );
      return {
        runId: answer.runId,
        created: answer.created,
        kind: answer.kind,
        ...(answer.view === undefined ? {} : { result: toRunResult(answer.view) }),
        ...(answer.kind === 'answered' ? { pending: answer.pending } : {}),
      };
    },
    async wait(runId, { timeoutMs } = {}) {
      const result = await awaitRun(runtime, runId, {
        timeoutMs: timeoutMs ?? Number.POSITIVE_INFINITY,
        changed: (id, ms) => backend.changed(id, ms),
      });
      if (result.kind === 'notFound') throw new UserInputError('run.notFound', `no run '${runId}'`);
      if (result.kind === 'settled') return toRunResult(result.view);
      throw new UserInputError(
        'run.waitTimeout',
        `run ${runId} is still ${result.view.status} after ${timeoutMs} ms; wait again or read it with get()`,
      );
    },
    get: async (runId) => {
      const view = await runtime.getRun(runId);
      return view === undefined ? undefined : toRunResult(view);
    },
    history: (runId) => runtime.history(runId),
    cancel: async (runId) => {
      const view = await runtime.cancel(runId);
      return view === undefined ? undefined : toRunResult(view);
    },
    redrive: async (runId, options = {}) => control(runId, await runtime.redrive(runId, options)),
    rollback: async (runId) => control(runId, await runtime.rollback(runId)),
    callback: (token, request) => runtime.completeCallback(token, request),
    heartbeat: (token) => runtime.heartbeatCallback(token),
    close: () => backend.close(),
  };
}

async function readPlans(workflows: string | readonly Plan[]): Promise<Plan[]> {
  if (typeof workflows !== 'string') {
    const problem = childLinkProblems(workflows)[0];
    if (problem) throw new UserInputError(problem.code, `workflow '${problem.workflow}': ${problem.message}`);
    return [...workflows];
  }
  const info = await stat(workflows).catch(() => undefined);
  if (info === undefined) {
    throw new UserInputError('workflow.unreadable', `no workflow file or folder '${workflows}'`);
  }
  return info.isDirectory() ? readPlanDir(workflows) : readWorkflowSet(workflows);
}
