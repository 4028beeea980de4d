import type { QueueMessage } from '../engine/types.ts';

/** A message to send, delayed by whole seconds (0..900). */
export interface QueueEntry {
  readonly message: QueueMessage;
  readonly delaySeconds?: number;
  /**
   * The time (epoch ms) the delay stands for: a retry's backoff, a sleep's wake time. SQS delays by whole
   * seconds (`delaySeconds`, rounded up); a queue that can delays to this time instead, if it is sooner.
   */
  readonly notBefore?: number;
}

/** The queue port: a queue only speeds dispatch up; the store decides who runs what. */
export interface TaskQueue {
  /** Sends dispatch (and deadline) messages, each delayed by its own whole seconds (0..900). */
  send(messages: readonly QueueEntry[]): Promise<void>;
}
