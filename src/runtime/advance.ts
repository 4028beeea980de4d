import type { TaskMessage } from '../engine/types.ts';
import type { Plan } from '../workflow/plan.ts';
import { expiresAt, fault, isoNow, type RuntimeDeps } from './deps.ts';
import { sendDispatches } from './dispatch.ts';
import { driveRollback } from './rollback.ts';

/**
 * After a checkpoint: one conditional write per outgoing edge copies the output onto the dependent and
 * counts it; the write that completes a dependent's set dispatches it. A sink is counted on the run, and
 * the count that completes the sinks finishes the run. Replays (redelivery, recovery) count nothing twice.
 */
export async function advance(
  deps: RuntimeDeps,
  plan: Plan,
  runId: string,
  taskId: string,
  output: string,
  lamport: number,
  only?: readonly string[],
): Promise<boolean> {
  const planned = plan.tasks[taskId];
  if (!planned) return false;
  if (planned.dependents.length === 0) return countSink(deps, plan, runId, taskId, lamport);
  const targets = only ?? planned.dependents;
  const ready: TaskMessage[] = [];
  await Promise.all(
    targets.map(async (to) => {
      const outcome = await deps.store.copyEdge({ runId, from: taskId, to, output, lamport });
      // refused: this edge was counted before (a replay); whoever completed the set dispatched it
      if (!outcome.ok) return;
      const dependent = plan.tasks[to];
      if (!dependent || outcome.record.depsDone.length !== dependent.deps.length) return;
      const seen = Object.values(outcome.record.depLamports);
      ready.push({
        runId,
        taskId: to,
        kind: 'task',
        lamport: Math.max(lamport, ...seen),
        readyAt: deps.now(),
      });
    }),
  );
  if (ready.length === 0) return false;
  fault(deps, 'beforeDispatch', { runId, taskId });
  await sendDispatches(deps, ready);
  return false;
}

async function countSink(
  deps: RuntimeDeps,
  plan: Plan,
  runId: string,
  taskId: string,
  lamport: number,
): Promise<boolean> {
  if (plan.sinks.length === 1) return countOnlySink(deps, plan, runId, taskId, lamport);
  const outcome = await deps.store.countSink({ runId, taskId, lamport });
  if (!outcome.ok) return false;
  const run = outcome.record;
  if (run.status === 'compensating') {
    await driveRollback(deps, runId);
    return false;
  }
  if (run.status === 'running' && run.sinksDone.length === plan.sinks.length) {
    return finishRun(deps, plan, runId, Math.max(lamport, ...Object.values(run.sinkLamports)) + 1);
  }
  return false;
}

/** A plan with one sink finishes with that sink's count: one write per run saved. */
async function countOnlySink(
  deps: RuntimeDeps,
  plan: Plan,
  runId: string,
  taskId: string,
  lamport: number,
): Promise<boolean> {
  const finished = lamport + 1;
  const outcome = await deps.store.countLastSink({
    runId,
    taskId,
    sinkLamport: lamport,
    lamport: finished,
    now: deps.now(),
    expiresAt: expiresAt(deps),
    event: { type: 'run.succeeded', lamport: finished, at: isoNow(deps) },
  });
  if (outcome.ok) {
    deps.metrics.runFinished('succeeded', deps.now() - outcome.record.createdAt);
    deps.logger.info('run succeeded', { runId, workflow: plan.name });
    return true;
  }
  if (outcome.current?.status === 'compensating') await driveRollback(deps, runId);
  return false;
}

/** Marks the run succeeded, if every sink is counted and it is still running. */
export async function finishRun(
  deps: RuntimeDeps,
  plan: Plan,
  runId: string,
  lamport: number,
): Promise<boolean> {
  const outcome = await deps.store.finishRun({
    runId,
    sinkCount: plan.sinks.length,
    lamport,
    now: deps.now(),
    expiresAt: expiresAt(deps),
    event: { type: 'run.succeeded', lamport, at: isoNow(deps) },
  });
  if (outcome.ok) {
    deps.metrics.runFinished('succeeded', deps.now() - outcome.record.createdAt);
    deps.logger.info('run succeeded', { runId, workflow: plan.name });
  }
  return outcome.ok;
}
