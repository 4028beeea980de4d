import type { QueueMessage } from '../engine/types.ts';

/** The queue port: SQS only speeds dispatch up; DynamoDB decides who runs what. */
export interface TaskQueue {
  /** Sends dispatch (and deadline) messages, each delayed by its own whole seconds (0..900). */
  send(
    messages: readonly { readonly message: QueueMessage; readonly delaySeconds?: number }[],
  ): Promise<void>;
}
