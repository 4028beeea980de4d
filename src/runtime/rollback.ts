import { lamportAfter } from '../engine/claim.ts';
import { answeredPart, decideRollback } from '../engine/saga.ts';
import type { StopCause, TaskMessage } from '../engine/types.ts';
import type { RunState } from '../store/run-store.ts';
import { answerParent, stopChild } from './child-run.ts';
import { expiresAt, fault, isoNow, type RuntimeDeps } from './deps.ts';
import { ownDispatch, sendDispatches } from './dispatch.ts';
import { planFor } from './plans.ts';
import { releaseRunSlot } from './slots.ts';
import type { TaskErrorView } from './types.ts';

/** Passes of the rollback before it leaves the rest to the next trigger or the recovery pass. */
const MAX_PASSES = 6;

/**
 * Stops a running run (a task failed for good, a cancel, a timeout): from now on no task starts, and the
 * Saga rolls back what succeeded. Refused if the run is no longer running; the rollback is driven anyway.
 */
export async function stopRun(
  deps: RuntimeDeps,
  runId: string,
  cause: StopCause,
  error: TaskErrorView & { taskId?: string },
  lamport: number,
): Promise<void> {
  const stop = (at: number) =>
    deps.store.stopRun({
      runId,
      cause,
      error,
      lamport: at,
      event: {
        type: cause === 'cancelled' ? 'run.cancelling' : 'run.failing',
        lamport: at,
        at: isoNow(deps),
        detail: { ...error },
      },
    });
  let outcome = await stop(lamport);
  const current = outcome.ok ? undefined : outcome.current;
  // the run moved on since the caller read it (a pause, a redrive): stop it after what it has now
  if (
    current &&
    (current.status === 'running' || current.status === 'paused') &&
    current.lamport >= lamport
  ) {
    outcome = await stop(current.lamport + 1);
  }
  if (outcome.ok) deps.logger.info('run stopping', { runId, cause, error });
  fault(deps, 'afterStop', { runId });
  await driveRollback(deps, runId);
}

/**
 * Drives a stopping run's Saga one step from its durable state: skips tasks never started, flags running
 * ones (their end calls back here), ends waits for callbacks, starts every compensation whose dependents are rolled back, and
 * finalises the run once every task is settled. Safe to run concurrently and repeatedly: every write is
 * conditional and a lost race means another pass.
 */
export async function driveRollback(deps: RuntimeDeps, runId: string): Promise<void> {
  for (let pass = 0; pass < MAX_PASSES; pass += 1) {
    const state = await deps.store.loadRun(runId);
    if (state?.run.status !== 'compensating') return;
    const again = await rollbackPass(deps, state);
    if (!again) return;
  }
}

async function rollbackPass(deps: RuntimeDeps, state: RunState): Promise<boolean> {
  const { run, tasks } = state;
  const plan = await planFor(deps, run.workflow, run.planVersion);
  const step = decideRollback(plan, tasks, answeredPart(plan, run));
  const lamport = lamportAfter(run, tasks.values());
  if (step.skip.length > 0 || step.flag.length > 0 || step.cancel.length > 0) {
    let deferred = 0;
    await Promise.all([
      ...step.skip.map((taskId) =>
        deps.store.skipTask({
          runId: run.runId,
          taskId,
          lamport,
          expiresAt: expiresAt(deps),
          event: { type: 'task.skipped', lamport, at: isoNow(deps) },
        }),
      ),
      ...step.flag.map((taskId) => deps.store.flagStopping({ runId: run.runId, taskId })),
      ...step.cancel.map(async (taskId) => {
        // a child run stops, and its wait ends once the child has: nothing it did is left undone
        const record = tasks.get(taskId);
        if (plan.tasks[taskId]?.child && record && !(await stopChild(deps, run.runId, record))) {
          deferred += 1;
          return;
        }
        return deps.store.cancelWait({
          runId: run.runId,
          taskId,
          lamport,
          expiresAt: expiresAt(deps),
          event: { type: 'task.cancelled', lamport, at: isoNow(deps), detail: { reason: 'rollback' } },
        });
      }),
    ]);
    // the settled tasks may unlock compensations; a lost race means the state moved: look again (a
    // child still rolling back calls the rollback again when it ends)
    return deferred < step.skip.length + step.flag.length + step.cancel.length;
  }
  const started: TaskMessage[] = [];
  await Promise.all(
    step.compensate.map(async (taskId) => {
      const outcome = await deps.store.dispatchCompensation({
        runId: run.runId,
        taskId,
        lamport,
        ...ownDispatch(deps, plan, taskId, 'compensate'),
        event: { type: 'compensation.ready', lamport, at: isoNow(deps) },
      });
      if (outcome.ok) {
        started.push({ runId: run.runId, taskId, kind: 'compensate', lamport, readyAt: deps.now() });
      }
    }),
  );
  await sendDispatches(deps, started);
  if (!step.finished) return false;
  const status = run.cause === 'cancelled' ? 'cancelled' : 'failed';
  const outcome = await deps.store.finishRollback({
    runId: run.runId,
    status,
    rollback: step.finished,
    lamport,
    now: deps.now(),
    expiresAt: expiresAt(deps),
    event: { type: `run.${status}`, lamport, at: isoNow(deps), detail: { rollback: step.finished } },
  });
  if (outcome.ok) {
    deps.metrics.runFinished(status, deps.now() - run.createdAt);
    if (step.finished !== 'none') deps.metrics.rollbackFinished(step.finished);
    deps.logger.info(`run ${status}`, { runId: run.runId, rollback: step.finished });
    await answerParent(deps, outcome.record);
    await releaseRunSlot(deps, outcome.record);
  }
  return false;
}
