import { lamportAfter } from '../engine/claim.ts';
import { decideDeadline } from '../engine/deadline.ts';
import { MAX_QUEUE_DELAY_SECONDS, queueDelaySeconds } from '../engine/retry.ts';
import type { DeadlineMessage } from '../engine/types.ts';
import type { Plan } from '../workflow/plan.ts';
import { toErrorView } from './attempt.ts';
import type { RuntimeDeps } from './deps.ts';
import { sendMessages } from './dispatch.ts';
import { WorkflowTimeoutError } from './errors.ts';
import { planFor } from './plans.ts';
import { stopRun } from './rollback.ts';

/**
 * The deadline message of a run whose plan has a workflow `timeout`, with its delay (at most SQS's 15
 * minutes: a longer wait is sent again on receipt); undefined for a plan without one.
 */
export function deadlineEntry(
  plan: Plan,
  runId: string,
  createdAt: number,
  now: number,
): { message: DeadlineMessage; delaySeconds: number } | undefined {
  if (plan.timeoutMs === undefined) return undefined;
  const deadlineAt = createdAt + plan.timeoutMs;
  return {
    message: { runId, kind: 'deadline', deadlineAt },
    delaySeconds: Math.min(queueDelaySeconds(deadlineAt, now), MAX_QUEUE_DELAY_SECONDS),
  };
}

/**
 * Handles a run's deadline: one strongly consistent read of the run; a run that is final or already
 * stopping is left alone (a duplicate or a late deadline has no effect), one received early is sent again
 * with the rest of its delay, and a run still running past it is stopped with `WorkflowTimeout` and rolled
 * back, exactly as a failed task stops it (the stop is conditional on the run still running).
 */
export async function handleDeadline(deps: RuntimeDeps, message: DeadlineMessage): Promise<void> {
  const run = await deps.store.getRun(message.runId);
  if (!run) {
    deps.logger.warn('deadline for an unknown run dropped', { ...message });
    return;
  }
  const decision = decideDeadline(run, message.deadlineAt, deps.now());
  if (decision.kind === 'drop') return;
  if (decision.kind === 'wait') {
    // a failed send is left to the recovery pass, which stops runs past their timeout too
    await sendMessages(deps, [{ message, delaySeconds: decision.delaySeconds }]);
    return;
  }
  const plan = await planFor(deps, run.workflow, run.planVersion);
  // the stop is ordered after everything the run's items have seen
  const state = await deps.store.loadRun(run.runId);
  const lamport = lamportAfter(run, state?.tasks.values() ?? []);
  deps.logger.warn('run timed out', { runId: run.runId, timeoutMs: plan.timeoutMs });
  await stopRun(deps, run.runId, 'failed', workflowTimeout(plan), lamport);
}

/** The error a run stopped by its workflow timeout carries (the deadline and the recovery pass alike). */
export function workflowTimeout(plan: Plan): { name: string; message: string } {
  return toErrorView(new WorkflowTimeoutError(plan.timeoutMs ?? 0));
}
