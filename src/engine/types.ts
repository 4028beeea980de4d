/**
 * The engine's view of a run's durable state, independent of how the store lays it out. The store reads
 * and writes these records; the pure decisions in src/engine take them and return what to do.
 */
import type { Json, RollbackStatus, RunStatus, TaskErrorView, TaskStatus } from '../runtime/types.ts';

/** One entry of an item's history: merged across items and sorted by Lamport time it is the run's history. */
export interface StoredEvent {
  readonly type: string;
  readonly lamport: number;
  /** ISO wall-clock time, for people only. */
  readonly at: string;
  readonly attempt?: number;
  readonly detail?: Readonly<Record<string, Json>>;
}

/** The state of a compensation while it is pending or running; absent before the rollback reaches the task. */
export interface CompensationState {
  readonly status: 'ready' | 'running';
  /** Claims so far (the attempt number the handler sees). */
  readonly attempt: number;
  /** Attempts that failed, counted against the compensation's retry policy. */
  readonly failures: number;
  readonly owner?: string;
  readonly leaseUntil?: number;
  readonly dueAt?: number;
  /** When its dispatch was sent (or delayed to), by a process that runs it; see {@link TaskRecord.dispatchedAt}. */
  readonly dispatchedAt?: number;
}

/** A callback task's open token: completions must present it; cleared when one is accepted. */
export interface CallbackState {
  /** Single-use, unguessable (see src/runtime/callback-token.ts). */
  readonly token: string;
  /** When the wait times out for good, epoch ms; absent while the handler runs, or without a timeout. */
  readonly timeoutAt?: number;
}

/**
 * A map task's items while they run (see src/engine/map.ts): recorded by the attempt that evaluated them,
 * with the ends of lanes and the failed items counted on it, each once.
 */
export interface MapState {
  /** JSON text of the items array, evaluated once. */
  readonly items: string;
  readonly count: number;
  readonly lanes: number;
  /** Lanes whose last item has ended. */
  readonly lanesDone: readonly number[];
  /** Items that failed for good. */
  readonly failedItems: readonly number[];
  /**
   * Items a redrive kept (succeeded before, with the same item value): they do not run again, and their
   * lanes skip them.
   */
  readonly kept: readonly number[];
}

/** A task of a run, as stored. Tasks that nothing has touched yet have no record. */
export interface TaskRecord {
  readonly taskId: string;
  readonly status: TaskStatus;
  /** Claims so far: the attempt number the handler sees. */
  readonly attempt: number;
  /** Attempts that failed, counted against the retry policy. */
  readonly failures: number;
  /** Claims that took over an attempt whose owner died or whose lease expired. */
  readonly takeovers: number;
  readonly owner?: string;
  readonly leaseUntil?: number;
  /** A retry is not claimed before this epoch ms. */
  readonly dueAt?: number;
  /**
   * Epoch ms from which the dispatch that made the task claimable could be received: written by that very
   * write (the edge that completed `depsDone`, the retry, the sleep, the wait, the release) when the writer's
   * queue delivers to a process that runs the task; cleared by the claim. The recovery pass re-sends a
   * claimable task only once this is older than its grace; absent (an old record, or a dispatch no process
   * of the writer's queue would take), the task is re-sent at once.
   */
  readonly dispatchedAt?: number;
  /** JSON text of the checkpointed output. */
  readonly output?: string;
  readonly error?: TaskErrorView;
  /** Dependencies whose output has been copied here. */
  readonly depsDone: readonly string[];
  /** JSON text of each dependency's output, by task id. */
  readonly depOutputs: Readonly<Record<string, string>>;
  /** The Lamport time of each dependency's checkpoint, by task id. */
  readonly depLamports: Readonly<Record<string, number>>;
  readonly lamport: number;
  /** Set by the rollback on a running task: its end must wake the rollback up. */
  readonly stopping: boolean;
  readonly compensation?: CompensationState;
  /** A callback task's token, from before its handler runs until a completion is accepted. */
  readonly callback?: CallbackState;
  /** A map task's items, from when its attempt evaluated them. */
  readonly map?: MapState;
  /** Held by a paused run: no claim takes the task until a redrive releases it. */
  readonly held?: boolean;
  /** The redrive (its number on the run) that last reset or released this task. */
  readonly redriven?: number;
  /** Lamport time at which the compensation finished (compensated or compensation_failed). */
  readonly compensationFinished?: number;
  readonly compensationAttempts?: number;
  readonly compensationError?: TaskErrorView;
  readonly startedAt?: number;
  readonly events: readonly StoredEvent[];
}

/** Why a run is rolling back. */
export type StopCause = 'failed' | 'cancelled';

/** Where a child run was started from: the run and its `workflow:` task that waits for it. */
export interface RunParent {
  readonly runId: string;
  readonly taskId: string;
}

/** The run's own record. */
export interface RunRecord {
  readonly runId: string;
  readonly workflow: string;
  readonly planVersion: string;
  /** JSON text of the run's input. */
  readonly input: string;
  /** sha256 of the canonical input, to tell a duplicate submission from a conflicting one. */
  readonly inputHash: string;
  readonly status: RunStatus;
  readonly rollback: RollbackStatus;
  readonly cause?: StopCause;
  readonly error?: TaskErrorView & { readonly taskId?: string };
  readonly lamport: number;
  /** Sinks whose checkpoint has been counted on the run. */
  readonly sinksDone: readonly string[];
  readonly sinkLamports: Readonly<Record<string, number>>;
  readonly createdAt: number;
  /** When the roots' dispatch was sent, by a process that runs them (as {@link TaskRecord.dispatchedAt}). */
  readonly dispatchedAt?: number;
  readonly finishedAt?: number;
  readonly idempotencyKey?: string;
  /** Set on a child run: the parent task it answers to when it ends. */
  readonly parent?: RunParent;
  /** Redrives so far; absent before the first. */
  readonly redrives?: number;
  /** The tasks the latest redrive runs again (their records are reset once, by it or by recovery). */
  readonly reset?: readonly string[];
  /** A sync run answered before it ended: when, and the tasks that still ran (all a rollback undoes). */
  readonly answered?: RunAnswered;
  /**
   * The maps among `reset` whose every item runs again (at or after the redrive's `from`): their items'
   * records are reset with them. The other maps in `reset` keep their succeeded items.
   */
  readonly rerunMaps?: readonly string[];
  readonly events: readonly StoredEvent[];
}

/** A sync run's early answer (`mode: async` tasks still running): see {@link RunRecord.answered}. */
export interface RunAnswered {
  /** Epoch ms. */
  readonly at: number;
  readonly pending: readonly string[];
}

export type { DeadlineMessage, QueueMessage, RunContext, RunContextHint, TaskMessage } from './messages.ts';

/** What a failed attempt leads to. */
export type FailureDecision =
  | { readonly kind: 'retry'; readonly delayMs: number }
  | { readonly kind: 'fail'; readonly reason: 'exhausted' | 'notRetryable' };
