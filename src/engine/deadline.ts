import { queueDelaySeconds } from './retry.ts';
import type { RunRecord } from './types.ts';

/** What a deadline message leads to. */
export type DeadlineDecision =
  /** The run is final or already stopping: the deadline has nothing left to do (a duplicate, or late). */
  | { readonly kind: 'drop' }
  /** Received before the deadline (SQS delays at most 15 minutes): send it again, delayed this much. */
  | { readonly kind: 'wait'; readonly delaySeconds: number }
  /** The run is still running past its deadline: stop it with `WorkflowTimeout`. */
  | { readonly kind: 'stop' };

/**
 * Decides what a run's deadline message does at `now`, from the run's record alone.
 *
 * @example
 * decideDeadline(run, run.createdAt + plan.timeoutMs, Date.now()); // { kind: 'stop' } once past it
 */
export function decideDeadline(run: RunRecord, deadlineAt: number, now: number): DeadlineDecision {
  if (run.status !== 'running') return { kind: 'drop' };
  if (now < deadlineAt)
    return { kind: 'wait', delaySeconds: Math.max(1, queueDelaySeconds(deadlineAt, now)) };
  return { kind: 'stop' };
}
