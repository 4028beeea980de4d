import { queueDelaySeconds } from '../engine/retry.ts';
import type { TaskMessage } from '../engine/types.ts';
import type { QueueEntry } from '../queue/task-queue.ts';
import type { Plan } from '../workflow/plan.ts';
import type { RuntimeDeps } from './deps.ts';

/**
 * The dispatch time a write records for the dispatch this process sends next (received from `at`, the send
 * or the time it is delayed to): the recovery pass leaves it alone until it is older than its grace. None
 * when this process declines the task (local processes sharing a state dir, each with its own queue, and
 * one with no worker at all), so that the process that runs it sends it at once from its recovery pass.
 * A write made by the attempt's own worker (a retry, a sleep, a wait) records `{ dispatchedAt }` directly.
 *
 * @example
 * await deps.store.copyEdge({ ...edge, ...ownDispatch(deps, plan, to, 'task') });
 */
export function ownDispatch(
  deps: RuntimeDeps,
  plan: Plan,
  taskId: string,
  kind: 'task' | 'compensate',
  at: number = deps.now(),
): { dispatchedAt?: number } {
  return deps.accepts && !deps.accepts(plan, taskId, kind) ? {} : { dispatchedAt: at };
}

/**
 * Sends dispatch messages for items already made claimable in the store, delayed until `dueAt` (epoch ms)
 * when given. A send that fails is logged, not raised: the durable state is written, and the recovery pass
 * rebuilds any dispatch the queue did not take.
 */
export async function sendDispatches(
  deps: RuntimeDeps,
  messages: readonly TaskMessage[],
  dueAt?: number,
): Promise<void> {
  await sendMessages(
    deps,
    messages.map((message) => dispatchEntry(deps, message, dueAt)),
  );
}

/** A dispatch message as the queue takes it, delayed until `dueAt` (epoch ms) when given. */
export function dispatchEntry(deps: RuntimeDeps, message: TaskMessage, dueAt?: number): QueueEntry {
  if (dueAt === undefined) return { message };
  return { message, delaySeconds: queueDelaySeconds(dueAt, deps.now()), notBefore: dueAt };
}

/** Sends queue messages, each with its own delay; a failed send is logged, as in `sendDispatches`. */
export async function sendMessages(deps: RuntimeDeps, entries: readonly QueueEntry[]): Promise<void> {
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
