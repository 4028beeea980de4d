import type { QueueMessage, TaskMessage } from '../engine/types.ts';
import type { RuntimeDeps } from './deps.ts';

/**
 * Sends dispatch messages for items already made claimable in DynamoDB. A send that fails is logged, not
 * raised: the durable state is written, and the recovery pass rebuilds any dispatch SQS did not take.
 */
export async function sendDispatches(
  deps: RuntimeDeps,
  messages: readonly TaskMessage[],
  delaySeconds = 0,
): Promise<void> {
  await sendMessages(
    deps,
    messages.map((message) => ({ message, delaySeconds })),
  );
}

/** Sends queue messages, each with its own delay; a failed send is logged, as in `sendDispatches`. */
export async function sendMessages(
  deps: RuntimeDeps,
  entries: readonly { readonly message: QueueMessage; readonly delaySeconds?: number }[],
): Promise<void> {
  if (entries.length === 0) return;
  try {
    await deps.queue.send(entries);
  } catch (error) {
    deps.logger.warn('dispatch not sent; the recovery pass will resend it', {
      runId: entries[0]?.message.runId,
      tasks: entries.map(({ message }) => (message.kind === 'deadline' ? 'deadline' : message.taskId)),
      error: error instanceof Error ? error.message : String(error),
    });
  }
}
