/**
 * The contract between the engine's runtime and its callers: the weft command line, the local stack, the
 * Lambda entry points and the HTTP API. Implemented in src/runtime/.
 */
import type { QueueMessage } from '../engine/messages.ts';
import type { Plan } from '../workflow/plan.ts';

/** JSON values, as handlers receive and return them. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** What a task handler receives. */
export interface TaskEvent {
  /** The run's input. */
  readonly input: Json;
  /** The output of each dependency, by task id. */
  readonly deps: Readonly<Record<string, Json>>;
  readonly runId: string;
  readonly taskId: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** A map task's item this attempt runs (absent on other tasks). */
  readonly item?: Json;
  /** The item's position in the map's list, from 0. */
  readonly index?: number;
}

/** What a task handler can use besides its event. */
export interface TaskContext {
  /** Fires when the attempt times out, its lease is lost, or the process shuts down. */
  readonly signal: AbortSignal;
  /** Tells the engine the attempt is alive (extends its lease); resolves once recorded. */
  heartbeat(): Promise<void>;
  /** The same for every attempt of one task in one run: make side effects idempotent with it. */
  readonly idempotencyKey: string;
  /**
   * A callback task's token (absent on other tasks): hand it to whoever completes the task, with
   * `POST /callbacks/{token}` or `weft callback <token>`. Single-use; each attempt has its own.
   */
  readonly callback?: { readonly token: string };
  /**
   * The locks the attempt holds (`locks:`), each with its fencing token: greater for every later holder
   * of that lock, so a store the handler writes to can refuse a write carrying an older token (from an
   * attempt that was taken over). Absent on tasks without locks.
   */
  readonly locks?: readonly LockGrant[];
}

/** A lock an attempt holds, and its fencing token. */
export interface LockGrant {
  readonly key: string;
  readonly token: number;
}

/** What a compensation handler receives. */
export interface CompensationEvent {
  readonly input: Json;
  readonly deps: Readonly<Record<string, Json>>;
  /** The output of the task being undone (of the item, for a map task's item). */
  readonly output: Json;
  readonly runId: string;
  readonly taskId: string;
  readonly attempt: number;
  /** A map task's item being undone, and its position (absent on other tasks). */
  readonly item?: Json;
  readonly index?: number;
}

/** A task handler: its return value is the task's checkpoint; a throw is a failed attempt. */
export type TaskHandler = (event: TaskEvent, ctx: TaskContext) => unknown;
export type CompensationHandler = (event: CompensationEvent, ctx: TaskContext) => unknown;

/** Handlers by export name. */
export type HandlerRegistry = Readonly<Record<string, TaskHandler | CompensationHandler>>;

export type TaskStatus =
  | 'pending'
  | 'ready'
  /** A sleep task waiting for its wake time (a durable timer: no worker holds it). */
  | 'sleeping'
  | 'running'
  /** A callback task waiting for its completion (`POST /callbacks/{token}`); no worker holds it. */
  | 'waiting'
  | 'succeeded'
  | 'failed'
  | 'skipped'
  | 'compensated'
  | 'compensation_failed'
  | 'cancelled';

/**
 * `paused`: a task failed for good in a workflow with `on_failure: pause`; nothing starts and nothing is
 * compensated until a redrive (the run goes on) or a rollback (the Saga runs).
 */
export type RunStatus = 'running' | 'paused' | 'compensating' | 'succeeded' | 'failed' | 'cancelled';
export type RollbackStatus = 'none' | 'running' | 'completed' | 'incomplete';

export interface TaskErrorView {
  readonly name: string;
  readonly message: string;
}

export interface TaskView {
  readonly status: TaskStatus;
  readonly attempts: number;
  readonly output?: Json;
  readonly error?: TaskErrorView;
  /** A sleeping task's wake time (ISO). */
  readonly wakeAt?: string;
  /** A callback task's open token while its attempt runs or waits, and when the wait times out (ISO). */
  readonly callback?: { readonly token: string; readonly timeoutAt?: string };
  /** A `workflow:` task's child run (the latest it started). */
  readonly child?: { readonly runId: string; readonly workflow: string };
  /**
   * A map task's items: how many, in how many lanes, and how many have succeeded, failed for good, run (or
   * wait for a retry) and been compensated; items not counted have not started. `kept`: of the succeeded,
   * those a redrive kept from before (absent when it kept none).
   */
  readonly map?: {
    readonly items: number;
    readonly lanes: number;
    readonly succeeded: number;
    readonly failed: number;
    readonly running: number;
    readonly compensated: number;
    readonly kept?: number;
  };
  /** The locks its last attempt took (`locks:`), with how long it waited for each (ms). */
  readonly locks?: readonly { readonly key: string; readonly waitedMs: number }[];
  /** Why a skipped task was skipped: its `when` was false, or every dependency was skipped. */
  readonly skip?:
    | { readonly reason: 'condition'; readonly when: string }
    | { readonly reason: 'dependencies'; readonly skipped: readonly string[] };
}

export interface CompensationView {
  readonly task: string;
  readonly handler: string;
  readonly status: 'succeeded' | 'failed';
  readonly attempts: number;
  /** Why a compensation failed for good (its last attempt's error). */
  readonly error?: TaskErrorView;
}

/**
 * A run as `weft run` prints it and `GET /workflows/{name}/runs/{id}` returns it. While the run is in progress `status` is
 * `running` or `compensating`; once it is final it is one of `succeeded`, `failed`, `cancelled`.
 */
export interface RunView {
  readonly runId: string;
  readonly workflow: string;
  readonly planVersion: string;
  readonly status: RunStatus;
  readonly rollback: RollbackStatus;
  readonly input: Json;
  readonly tasks: Readonly<Record<string, TaskView>>;
  /** Compensations in the order they finished. */
  readonly compensations: readonly CompensationView[];
  /** Why the run failed, was cancelled or paused; `taskId` names the task whose failure it was. */
  readonly error?: TaskErrorView & { readonly taskId?: string };
  /** A child run's parent: the run and the `workflow:` task it answers to. */
  readonly parent?: { readonly runId: string; readonly taskId: string };
  /** The run's tasks' lock waits (`locks:`): locks taken, and the p99 and longest wait (ms) before one. */
  readonly locks?: { readonly acquired: number; readonly waitP99Ms: number; readonly waitMaxMs: number };
  /**
   * A sync run answered before it ended (`mode: async` tasks still ran): when (ISO), and those tasks. A
   * later failure rolls back only them; what the answer reported final stays.
   */
  readonly answered?: { readonly at: string; readonly pending: readonly string[] };
}

/** One state change of a run, as `weft history` prints it. */
export interface HistoryEvent {
  /** Lamport timestamp from the run's logical clock. */
  readonly lamport: number;
  /** Wall-clock time of the write, for people; ordering uses `lamport` (then `taskId`). */
  readonly at: string;
  /** `run.submitted`, `task.claimed`, `task.succeeded`, `task.failed`, `task.retrying`, ... */
  readonly type: string;
  readonly taskId?: string;
  readonly attempt?: number;
  readonly detail?: Readonly<Record<string, Json>>;
}

export interface SubmitRequest {
  /** Workflow name (a plan the runtime knows). */
  readonly workflow: string;
  readonly input: Json;
  /** Chosen by the caller for idempotent submission; generated when absent. */
  readonly runId?: string;
  /** Another way to make submission idempotent: the same key always maps to the same run. */
  readonly idempotencyKey?: string;
}

export interface SubmitResult {
  readonly runId: string;
  /** False when the run already existed (a duplicate submission): nothing new was started. */
  readonly created: boolean;
}

/** What completes a callback task: its output, or the error it failed with (retried per its policy). */
export type CallbackRequest = { readonly output: Json } | { readonly error: TaskErrorView };

/** The answer to a callback's completion or heartbeat. */
export type CallbackAnswer =
  /** Recorded: the task succeeded, will be retried (a fresh attempt, a fresh token), or failed. */
  | {
      readonly kind: 'accepted';
      readonly runId: string;
      readonly taskId: string;
      readonly status: 'succeeded' | 'retrying' | 'failed' | 'waiting';
    }
  /** The token names no run or task weft knows. */
  | { readonly kind: 'notFound' }
  /** The token is no longer open: completed before (tokens are single-use), superseded, or its run ended. */
  | {
      readonly kind: 'closed';
      readonly runId: string;
      readonly taskId: string;
      readonly status: TaskStatus;
    }
  /** The completion itself is unusable (an output over the task's limit). */
  | { readonly kind: 'invalid'; readonly message: string };

/** A redrive of a paused run. */
export interface RedriveRequest {
  /** Replaces the run's input (the tasks that run again see it). */
  readonly input?: Json;
  /** Runs this task and everything after it again too (their checkpoints are replaced). */
  readonly from?: string;
  /** Who asked, for the history (a principal, a user name). */
  readonly by?: string;
}

/** The answer to a redrive or a rollback: done (read the run for its state), unknown run, or refused. */
export type RunControlAnswer =
  | { readonly kind: 'done' }
  | { readonly kind: 'notFound' }
  | { readonly kind: 'refused'; readonly code: string; readonly message: string };

export interface RecoveryReport {
  /** Active runs examined. */
  readonly runs: number;
  /** Task and compensation dispatches rebuilt from DynamoDB (a lost edge redone counts as one). */
  readonly redispatched: number;
  /** Attempts whose lease had expired (zombies) and were taken over. */
  readonly expiredLeases: number;
  /** Runs finalised (their last write was lost before the run was marked done). */
  readonly finalised: number;
  /**
   * Where the listing of active runs stopped, when more remain than one pass examines: pass it as
   * `after` to the next pass. Absent: the pass reached the end of the listing.
   */
  readonly next?: string;
}

/** Where one recovery pass starts, and what it may presume. */
export interface RecoverOptions {
  /** Goes on after the runs of the previous pass (its report's `next`); default: from the start. */
  readonly after?: string;
  /**
   * The queue started empty with this process (an in-process queue, an embedded SQS): every recorded
   * dispatch is presumed lost and sent again, whatever its age.
   */
  readonly queueStartedEmpty?: boolean;
}

/** Where plans come from: the ones compiled into this deployment, and those pinned by older runs. */
export interface PlanCatalog {
  /** The current plan of a workflow, by name. */
  byName(name: string): Plan | undefined;
  /** Every current workflow. */
  list(): readonly Plan[];
}

/** How one message is handled: the bounds of eager continuation. */
export interface HandleOptions {
  /** Epoch ms by which the handling must be over (a Lambda invocation's end); default: none. */
  readonly deadlineAt?: number;
  /** Dependents one checkpoint continues in this worker at most; default 4; 0 sends them all to the queue. */
  readonly maxContinuations?: number;
  /** Whether a ready dependent (a plan task or a map's item, by id) may be continued here; default: any. */
  readonly continues?: (taskId: string) => boolean;
}

/** How long `Runtime.run` may wait, and how it learns the run may have changed. */
export interface RunOptions {
  /** The longest wait for the answer, in milliseconds (0: answer at once, the run goes on through the queue). */
  readonly waitMs: number;
  /** Resolves when the run may have changed, or after `ms` (a local backend's `changed`); default: polling. */
  readonly changed?: (runId: string, ms: number) => Promise<void>;
  /** Epoch ms by which this process must be done (a Lambda invocation's end). */
  readonly deadlineAt?: number;
}

/**
 * A submission's answer once its run is settled, or (a sync workflow) its critical path is final and only
 * `mode: async` tasks still run (`pending`), or the wait ran out (the run goes on; poll it).
 */
export type RunAnswer = SubmitResult &
  (
    | { readonly kind: 'settled'; readonly view: RunView }
    | { readonly kind: 'answered'; readonly view: RunView; readonly pending: readonly string[] }
    | { readonly kind: 'pending'; readonly view?: RunView }
  );

/** The use cases every entry point calls. */
export interface Runtime {
  submit(request: SubmitRequest): Promise<SubmitResult>;
  /**
   * Submits and waits for the answer (what `POST /runs?wait=` and `weft run` do): for a `mode: sync`
   * workflow this process runs the run's critical path itself (and its Saga) before answering.
   */
  run(request: SubmitRequest, options: RunOptions): Promise<RunAnswer>;
  /**
   * Processes one task-queue message body, and the dependents it makes ready while `options` allow (eager
   * continuation); a throw leaves the message for redelivery.
   */
  handleMessage(body: string, options?: HandleOptions): Promise<void>;
  /** Processes one task-queue message (an in-process queue hands them over without a body). */
  handle(message: QueueMessage, options?: HandleOptions): Promise<void>;
  /** The recovery pass (the reaper): rebuilds lost dispatches and takes over expired leases. */
  recover(options?: RecoverOptions): Promise<RecoveryReport>;
  /** Requests cancellation; returns the run as it is afterwards, or undefined for an unknown run. */
  cancel(runId: string): Promise<RunView | undefined>;
  getRun(runId: string): Promise<RunView | undefined>;
  /** The workflow a run belongs to (one read of the run's own record), or undefined for an unknown run. */
  workflowOf(runId: string): Promise<string | undefined>;
  history(runId: string): Promise<readonly HistoryEvent[] | undefined>;
  /** Redrives a paused run (`on_failure: pause`): the failed tasks, or `from` a task, run again. */
  redrive(runId: string, request: RedriveRequest): Promise<RunControlAnswer>;
  /** Rolls back a paused run: the Saga compensates what succeeded. */
  rollback(runId: string): Promise<RunControlAnswer>;
  /** Completes a callback task by its token, once (`POST /callbacks/{token}`, `weft callback`). */
  completeCallback(token: string, request: CallbackRequest): Promise<CallbackAnswer>;
  /** Tells a waiting callback task its completer is alive: the heartbeat interval starts again. */
  heartbeatCallback(token: string): Promise<CallbackAnswer>;
}
