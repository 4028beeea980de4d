import type { Fence } from '../engine/operations.ts';
import type { TaskRecord } from '../engine/types.ts';
import { expiresAt, isoNow, type RuntimeDeps } from './deps.ts';

export interface CheckpointArgs {
  readonly runId: string;
  readonly taskId: string;
  readonly fence: Fence;
  readonly output: string;
  readonly lamport: number;
}

/**
 * Writes a succeeded attempt's output, fenced on its owner and attempt: a stale attempt (timed out, taken
 * over) is refused and its result dropped. Returns the task as written, or undefined when refused.
 */
export async function checkpointTask(
  deps: RuntimeDeps,
  args: CheckpointArgs,
): Promise<TaskRecord | undefined> {
  const outcome = await deps.store.checkpoint({
    runId: args.runId,
    taskId: args.taskId,
    ...args.fence,
    output: args.output,
    lamport: args.lamport,
    now: deps.now(),
    expiresAt: expiresAt(deps),
    event: { type: 'task.succeeded', lamport: args.lamport, at: isoNow(deps), attempt: args.fence.attempt },
  });
  if (outcome.ok) return outcome.record;
  deps.logger.warn('stale attempt: its result was refused', {
    runId: args.runId,
    taskId: args.taskId,
    attempt: args.fence.attempt,
    current: outcome.current
      ? { status: outcome.current.status, attempt: outcome.current.attempt }
      : undefined,
  });
  return undefined;
}
