import type { EdgeCopy } from './operations.ts';

/** What the task queue carries between workers: hints that work may be claimable, and run deadlines. */

/** A task-queue message: a hint that a task or compensation may be claimable. DynamoDB decides. */
export interface TaskMessage {
  readonly runId: string;
  readonly taskId: string;
  readonly kind: 'task' | 'compensate';
  /** Lamport time of the write that caused this dispatch. */
  readonly lamport: number;
  /** Epoch ms when the task became ready: scheduling latency is measured from it. */
  readonly readyAt: number;
  /**
   * What the worker needs of the run, immutable for its life, so that it need not read the run item: its
   * workflow and plan version, and its input (JSON text) when small enough to travel in the message.
   */
  readonly run?: RunContextHint;
  /** Times this dispatch found its concurrency slot taken and came back later (its back-off grows). */
  readonly waits?: number;
  /**
   * The edge into a one-dependency task, carried by its dispatch instead of written on the task's item:
   * the worker that takes the message copies it with its claim (`claimByEdge`). Absent when the edge was
   * written (the task's item then records the dispatch).
   */
  readonly edge?: EdgeCopy;
}

/** A run's immutable facts, as a task message carries them. */
export interface RunContextHint {
  readonly workflow: string;
  readonly planVersion: string;
  readonly input?: string;
  /** The run's redrives when the message was sent: a task reset or released by a later one reads the run. */
  readonly redrive?: number;
}

/** What an attempt needs of its run: immutable for the run's life (the status is not part of it). */
export interface RunContext {
  readonly runId: string;
  readonly workflow: string;
  readonly planVersion: string;
  /** JSON text of the run's input. */
  readonly input: string;
  /** Redrives of the run so far (a redrive may replace the input); absent before the first. */
  readonly redrive?: number;
}

/**
 * A run's deadline: sent at submit (delayed) when the plan has a workflow `timeout`. On receipt the run is
 * stopped with `WorkflowTimeout` if it is still running and the deadline has passed; SQS delays a message
 * at most 15 minutes, so one received early is sent again with the rest of the delay.
 */
export interface DeadlineMessage {
  readonly runId: string;
  readonly kind: 'deadline';
  /** Epoch ms at which the run times out: its creation time plus the plan's `timeoutMs`. */
  readonly deadlineAt: number;
}

/** Everything the task queue carries. */
export type QueueMessage = TaskMessage | DeadlineMessage;
