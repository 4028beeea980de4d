import type { TaskMessage } from '../engine/types.ts';

/** The queue port: SQS only speeds dispatch up; DynamoDB decides who runs what. */
export interface TaskQueue {
  /** Sends dispatch messages, each delayed by its own whole seconds (0..900). */
  send(messages: readonly { readonly message: TaskMessage; readonly delaySeconds?: number }[]): Promise<void>;
}
