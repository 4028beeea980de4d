import { decidePause } from '../engine/redrive.ts';
import type { Plan } from '../workflow/plan.ts';
import { fault, isoNow, type RuntimeDeps } from './deps.ts';
import { planFor } from './plans.ts';
import { driveRollback, stopRun } from './rollback.ts';
import type { TaskErrorView } from './types.ts';

/**
 * A task failed for good: with `on_failure: pause` the run pauses (nothing is compensated; a redrive or a
 * rollback decides later), otherwise it stops and its Saga runs.
 */
export async function stopOnFailure(
  deps: RuntimeDeps,
  plan: Plan,
  runId: string,
  error: TaskErrorView & { taskId?: string },
  lamport: number,
): Promise<void> {
  if (plan.onFailure !== 'pause') {
    await stopRun(deps, runId, 'failed', error, lamport);
    return;
  }
  const pause = (at: number) =>
    deps.store.pauseRun({
      runId,
      error,
      lamport: at,
      event: { type: 'run.paused', lamport: at, at: isoNow(deps), detail: { ...error } },
    });
  let outcome = await pause(lamport);
  const current = outcome.ok ? undefined : outcome.current;
  // the run's clock moved since the failure was stamped (an early answer): the pause comes after it
  if (current?.status === 'running' && current.lamport >= lamport) outcome = await pause(current.lamport + 1);
  if (outcome.ok) deps.logger.warn('run paused', { runId, error });
  fault(deps, 'afterStop', { runId });
  await drivePause(deps, runId);
}

/**
 * Drives a paused run's pause from its durable state: holds every task that has not started (no claim
 * takes it), flags every task that runs or waits (its end advances nothing), and keeps every task item
 * (no expiry while paused). Safe to repeat: the recovery pass does, so a pause a crash cut short ends.
 */
export async function drivePause(deps: RuntimeDeps, runId: string): Promise<void> {
  const state = await deps.store.loadRun(runId);
  if (state?.run.status !== 'paused') return;
  const plan = await planFor(deps, state.run.workflow, state.run.planVersion);
  const step = decidePause(plan, state.tasks);
  await Promise.all([
    ...step.hold.map((taskId) => deps.store.holdTask({ runId, taskId })),
    ...step.flag.map((taskId) => deps.store.flagStopping({ runId, taskId })),
    ...[...state.tasks.keys()].map((taskId) => deps.store.retainTask({ runId, taskId })),
  ]);
}

/**
 * An attempt ended on a task its run flagged: whether the run has stopped (its rollback or its pause is
 * driven on, and the attempt's end advances nothing) or runs again (a redrive: advance as usual).
 */
export async function stoppedAfterFlag(deps: RuntimeDeps, runId: string): Promise<boolean> {
  const run = await deps.store.getRun(runId);
  if (run?.status === 'running') return false;
  if (run?.status === 'paused') await drivePause(deps, runId);
  else await driveRollback(deps, runId);
  return true;
}
