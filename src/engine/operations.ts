/**
 * The engine's state changes, as the store port takes them: one operation per transition of a task, a
 * compensation or a run. Each is a compare-and-set whose precondition is stated once, in
 * `src/engine/transitions/`, and restated as a DynamoDB `ConditionExpression` by the request builders in
 * `src/store/`; a differential test keeps the two in agreement. Times are epoch ms unless named otherwise.
 */
import type { TaskErrorView } from '../runtime/types.ts';
import type { RunParent, StopCause, StoredEvent } from './types.ts';

/** A task (or its compensation) of one run. */
export interface TaskRefOp {
  readonly runId: string;
  readonly taskId: string;
}

/** The identity of one attempt: writes on its behalf are fenced on both. */
export interface Fence {
  readonly owner: string;
  readonly attempt: number;
}

/** A write that moves the item's Lamport clock and records a history entry. */
export interface Stamped {
  readonly lamport: number;
  readonly event: StoredEvent;
}

/**
 * A write that makes its item claimable and whose writer then sends the dispatch. `dispatchedAt` (epoch ms,
 * the send, or the time it is delayed to) is recorded when the writer's queue delivers to a process that
 * runs the task; absent, the write clears it, and the recovery pass re-sends the dispatch without waiting.
 */
export interface Dispatching {
  readonly dispatchedAt?: number;
}

/** A write that ends the item's work: it may be forgotten at `expiresAt` (epoch seconds, the retention). */
export interface Expiring {
  readonly expiresAt: number;
}

/**
 * Claims a task for one attempt: a root nobody has touched, a pending task whose dependencies are all
 * counted, a ready task that is due, or a running task whose lease has expired.
 */
export interface ClaimTaskOp extends TaskRefOp, Stamped {
  readonly owner: string;
  readonly now: number;
  readonly leaseUntil: number;
  /** Number of dependencies: a pending task is claimable once all of them are counted. */
  readonly depCount: number;
  /** History entries the claim records before its own: the locks its dispatch waited for and took. */
  readonly before?: readonly StoredEvent[];
}

/** Extends the lease of the attempt that holds the claim. */
export interface RenewLeaseOp extends TaskRefOp, Fence {
  readonly leaseUntil: number;
}

/** Records a succeeded attempt's output; refused unless this attempt still holds the claim. */
export interface CheckpointOp extends TaskRefOp, Fence, Stamped, Expiring {
  readonly output: string;
  readonly now: number;
}

/** A failed attempt, as its retry or its end records it. */
export interface EndAttemptOp extends TaskRefOp, Fence, Stamped {
  readonly error: TaskErrorView;
  /** Failed attempts so far, this one included. */
  readonly failures: number;
}

/**
 * A sleep task's first attempt starts its timer: back to `ready`, unowned, not claimable before `dueAt`
 * (the wake time), with a `task.sleeping` entry that tells the claim at the wake time that it has slept.
 */
export interface SleepTaskOp extends TaskRefOp, Fence, Stamped, Dispatching {
  readonly dueAt: number;
}

/**
 * A callback task's attempt opens its token before its handler runs, so that a completion may arrive while
 * the handler is still running (a service that calls back at once).
 */
export interface OpenCallbackOp extends TaskRefOp, Fence {
  readonly token: string;
}

/**
 * The attempt's handler is done (or it has none): the task becomes `waiting`, unowned, until its token
 * completes it or `dueAt` (the timeout, or the next heartbeat's deadline) passes.
 */
export interface AwaitCallbackOp extends TaskRefOp, Fence, Stamped, Dispatching {
  readonly token: string;
  readonly timeoutAt?: number;
  readonly dueAt?: number;
  /**
   * A map task waits for its items: they are recorded with the wait, nothing counted yet but the lanes a
   * redrive kept whole (`lanesDone`); `kept` are the items it kept.
   */
  readonly map?: {
    readonly items: string;
    readonly count: number;
    readonly lanes: number;
    readonly kept: readonly number[];
    readonly lanesDone: readonly number[];
  };
}

/**
 * Counts, on a waiting map task, the end of one of its lanes and/or an item that failed for good; each is
 * counted once, and only while the map waits with this token.
 */
export interface CountMapItemOp extends TaskRefOp {
  readonly token: string;
  readonly lane?: number;
  readonly failed?: number;
}

/**
 * Completes a callback task's attempt, by its token, from any process: accepted once, from `running` (the
 * handler not yet returned) or `waiting`, for the attempt the token was opened for.
 */
export interface CompleteCallbackOp extends TaskRefOp, Stamped {
  readonly token: string;
  readonly attempt: number;
  readonly completion: CallbackCompletion;
}

/** What a completion makes of the task: succeeded with the output, retried after a backoff, or failed. */
export type CallbackCompletion =
  | { readonly status: 'succeeded'; readonly output: string; readonly expiresAt: number }
  | {
      readonly status: 'ready';
      readonly error: TaskErrorView;
      readonly failures: number;
      readonly dueAt: number;
      readonly dispatchedAt?: number;
    }
  | {
      readonly status: 'failed';
      readonly error: TaskErrorView;
      readonly failures: number;
      readonly expiresAt: number;
    };

/** A heartbeat of a waiting callback: the wait lapses at `dueAt` now. */
export interface HeartbeatCallbackOp extends TaskRefOp {
  readonly token: string;
  readonly attempt: number;
  readonly dueAt: number;
}

/** A paused run holds a task that has not started: no claim takes it until a redrive releases it. */
export type HoldTaskOp = TaskRefOp;

/**
 * A redrive releases a held task (a root whose record the hold created becomes `ready`, so a claim takes
 * it), stamping the redrive's number.
 */
export interface ReleaseHoldOp extends TaskRefOp {
  readonly redrive: number;
  readonly status?: 'ready';
}

/**
 * A redrive resets a task to run again: `ready` (a root) or `pending` with the dependencies outside the
 * reset counted still (`dropDeps` uncounted), its output, error, failures and compensation gone; once per
 * redrive, never while an attempt runs or waits.
 */
export interface ResetTaskOp extends TaskRefOp, Stamped {
  readonly redrive: number;
  readonly status: 'ready' | 'pending';
  readonly dropDeps: readonly string[];
}

/** The rollback ends a task waiting for its callback: `cancelled`, its token refused from now on. */
export interface CancelWaitOp extends TaskRefOp, Stamped, Expiring {}

/** A failed attempt with attempts left: back to `ready`, not claimable before `dueAt`. */
export interface RetryTaskOp extends EndAttemptOp, Dispatching {
  readonly dueAt: number;
}

/**
 * Ends a task for good from its attempt: `failed` with its error, or `skipped` without one (its `when` was
 * false, or every dependency was skipped).
 */
export type EndTaskOp = FailTaskOp | SkipAttemptOp;

export interface FailTaskOp extends EndAttemptOp, Expiring {
  readonly status: 'failed';
}

export interface SkipAttemptOp extends Omit<EndAttemptOp, 'error'>, Expiring {
  readonly status: 'skipped';
  readonly error?: undefined;
}

/** One dependency's output as an edge copies it onto a dependent: its value and its checkpoint's time. */
export interface EdgeCopy {
  readonly from: string;
  readonly output: string;
  readonly lamport: number;
}

/** Copies a succeeded dependency's output onto its dependent and counts it, once. */
export interface CopyEdgeOp extends Dispatching {
  readonly runId: string;
  readonly from: string;
  readonly to: string;
  readonly output: string;
  readonly lamport: number;
}

/**
 * The last edge into a dependent, folded into that dependent's claim: copies the output and claims the task
 * for `owner` in one write, so the worker that checkpointed `from` runs it next without a separate claim.
 * For a one-dependency task the item must be untouched; for a join, pending with every other dependency
 * counted and not this one. Refused otherwise (a skip by the rollback, a replayed edge, a dependency still
 * missing): the caller then falls back to `copyEdge` and the usual claim.
 */
export interface ClaimByEdgeOp extends Omit<CopyEdgeOp, 'dispatchedAt'> {
  /** The dependent's number of dependencies. */
  readonly depCount: number;
  /**
   * Edges into the same join that this worker held back instead of writing them (the join's other
   * dependencies were continued here), copied and counted with this one: the claim then expects that many
   * fewer counted before it, none of them among them.
   */
  readonly carried?: readonly EdgeCopy[];
  readonly owner: string;
  readonly now: number;
  readonly leaseUntil: number;
  /** The claim's Lamport time (after the edge's). */
  readonly claimLamport: number;
  /** The dependent's `task.claimed` entry. */
  readonly event: StoredEvent;
}

/** The rollback marks a task that never started as `skipped`; refused if a claim got there first. */
export interface SkipTaskOp extends TaskRefOp, Stamped, Expiring {}

/** Takes a lost attempt (dead owner, expired lease) back to `ready`, fenced on that very attempt. */
export interface ReleaseTaskOp extends TaskRefOp, Fence, Stamped, Dispatching {}

/** The rollback starts a succeeded task's compensation; refused if it was already started. */
export interface DispatchCompensationOp extends TaskRefOp, Stamped, Dispatching {}

/** Claims a compensation attempt: ready and due, or running with an expired lease. */
export interface ClaimCompensationOp extends TaskRefOp, Stamped {
  readonly owner: string;
  readonly now: number;
  readonly leaseUntil: number;
}

/** Ends a compensation for good: `compensated`, or `compensation_failed` with its error. */
export interface FinishCompensationOp extends TaskRefOp, Fence, Stamped, Expiring {
  readonly status: 'compensated' | 'compensation_failed';
  readonly error?: TaskErrorView;
}

/** A failed compensation attempt with attempts left: ready again, due after the backoff. */
export interface RetryCompensationOp extends TaskRefOp, Fence, Stamped, Dispatching {
  readonly dueAt: number;
  readonly failures: number;
  readonly error: TaskErrorView;
}

/** A new run; created only if no run has its id. */
export interface NewRunOp extends Dispatching {
  readonly runId: string;
  readonly workflow: string;
  readonly planVersion: string;
  readonly input: string;
  readonly inputHash: string;
  readonly createdAt: number;
  readonly idempotencyKey?: string;
  /** A child run: the parent run and the task that waits for it. */
  readonly parent?: RunParent;
  readonly event: StoredEvent;
}

/** Counts a succeeded sink on its run, once. */
export interface CountSinkOp {
  readonly runId: string;
  readonly taskId: string;
  readonly lamport: number;
}

/** A write that makes the run final. */
export interface FinalRunOp extends Stamped, Expiring {
  readonly runId: string;
  readonly now: number;
}

/** The only sink of a plan succeeded: count it and mark the run succeeded in one write. */
export interface CountLastSinkOp extends FinalRunOp {
  readonly taskId: string;
  readonly sinkLamport: number;
}

/** Marks a running run succeeded once all `sinkCount` sinks are counted. */
export interface FinishRunOp extends FinalRunOp {
  readonly sinkCount: number;
}

/** Stops a running or paused run (a task failed for good, a cancel, a timeout, a rollback asked for). */
export interface StopRunOp extends Stamped {
  readonly runId: string;
  readonly cause: StopCause;
  readonly error: TaskErrorView & { readonly taskId?: string };
}

/**
 * A succeeded child run whose parent is rolling back is rolled back too: `compensating` again, active
 * again (`createdAt` places it back in the index of active runs), its succeeded tasks compensated.
 */
export interface RevertRunOp extends Stamped {
  readonly runId: string;
  readonly createdAt: number;
  readonly error: TaskErrorView & { readonly taskId?: string };
}

/** A task failed for good in a workflow with `on_failure: pause`: the run pauses, nothing compensated. */
export interface PauseRunOp extends Stamped {
  readonly runId: string;
  readonly error: TaskErrorView & { readonly taskId?: string };
}

/**
 * A paused run goes on: redrive number `redrive` (one more than the run's), the tasks in `reset` to run
 * again (the sinks among them, `dropSinks`, uncounted), and optionally a new input.
 */
export interface RedriveRunOp extends Stamped {
  readonly runId: string;
  readonly redrive: number;
  readonly reset: readonly string[];
  /** The maps among `reset` whose every item runs again. */
  readonly rerunMaps: readonly string[];
  readonly dropSinks: readonly string[];
  readonly input?: string;
  readonly inputHash?: string;
}

/**
 * A sync run's caller has been answered (its critical path is final) while the tasks in `pending` still
 * run: from now on a rollback undoes only those (see src/engine/saga.ts). Once, and only while running.
 */
export interface AnswerRunOp extends Stamped {
  readonly runId: string;
  readonly at: number;
  readonly pending: readonly string[];
}

/** Ends a stopped run once the Saga has settled every task. */
export interface FinishRollbackOp extends FinalRunOp {
  readonly status: 'failed' | 'cancelled';
  readonly rollback: 'none' | 'completed' | 'incomplete';
}
