import type { TaskMessage } from '../engine/types.ts';
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
  if (messages.length === 0) return;
  try {
    await deps.queue.send(messages.map((message) => ({ message, delaySeconds })));
  } catch (error) {
    deps.logger.warn('dispatch not sent; the recovery pass will resend it', {
      runId: messages[0]?.runId,
      tasks: messages.map((m) => m.taskId),
      error: error instanceof Error ? error.message : String(error),
    });
  }
}
