import { leaseMs } from '../engine/limits.ts';
import type { RunContext, RunRecord, TaskMessage, TaskRecord } from '../engine/types.ts';
import type { Plan, PlannedTask } from '../workflow/plan.ts';
import { answerParent } from './child-run.ts';
import { claimedEvent, taskClaim } from './claim-attempt.ts';
import { expiresAt, fault, isoNow, type RuntimeDeps } from './deps.ts';
import { ownDispatch, sendDispatches } from './dispatch.ts';
import { driveRollback } from './rollback.ts';
import { taskMessage } from './run-context.ts';
import { releaseRunSlot } from './slots.ts';

/** Whether, and how many, dependents a checkpoint may continue in this worker. */
export interface Continuation {
  /** Dependents one checkpoint continues here at most. */
  readonly slots: number;
  /** Whether a continued attempt of this task would end before the worker must stop. */
  fits(task: PlannedTask): boolean;
  /**
   * The edges this worker has counted in this handling, by dependent and dependency, with their Lamport
   * times: a join whose other edges are all here is claimed by its last edge.
   */
  readonly counted: Map<string, Map<string, number>>;
}

/**
 * After a checkpoint: one conditional write per outgoing edge copies the output onto the dependent and
 * counts it; the write that completes a dependent's set makes it ready. A ready dependent is claimed for
 * this worker while `continuation` has slots and time, by the edge write itself (`claimByEdge`) when this
 * worker knows it is the last one (a one-dependency task, or a join whose other edges it counted), else by a
 * claim after the edge that completed the set, and returned, to be run here; the others are sent
 * to the queue in one batch. A sink is counted on the run, and the count that completes the sinks
 * finishes the run. Replays (redelivery, recovery) count nothing twice.
 */
export async function advance(
  deps: RuntimeDeps,
  plan: Plan,
  run: RunContext,
  taskId: string,
  output: string,
  lamport: number,
  options: { readonly only?: readonly string[]; readonly continuation?: Continuation } = {},
): Promise<TaskRecord[]> {
  const planned = plan.tasks[taskId];
  if (!planned) return [];
  if (planned.dependents.length === 0) {
    await countSink(deps, plan, run.runId, taskId, lamport);
    return [];
  }
  const runId = run.runId;
  const targets = options.only ?? planned.dependents;
  let slots = options.continuation?.slots ?? 0;
  // taken only for a dependent known to be ready, between awaits (so the fan-out's writes go out side by side);
  // never for one this process declines (it is left, dispatched, to a process that has its handler)
  const takeSlot = (dependent: PlannedTask): boolean => {
    if (slots <= 0 || !options.continuation?.fits(dependent)) return false;
    // a task under a concurrency limit or with locks takes them through the queue, before its claim
    if (dependent.concurrency || dependent.locks) return false;
    if (deps.accepts && !deps.accepts(plan, dependent.id, 'task')) return false;
    slots -= 1;
    return true;
  };
  const ready: TaskMessage[] = [];
  const continued: TaskRecord[] = [];
  await Promise.all(
    targets.map(async (to) => {
      const dependent = plan.tasks[to];
      if (!dependent) return;
      const counted = options.continuation?.counted;
      const known = counted?.get(to);
      const last = dependent.deps.every((dep) => dep === taskId || known?.has(dep));
      const here = last && takeSlot(dependent);
      if (here) {
        const now = deps.now();
        // after every dependency's checkpoint, those counted before included
        const claimLamport = Math.max(lamport, ...(known?.values() ?? [])) + 1;
        const claimed = await deps.store.claimByEdge({
          depCount: dependent.deps.length,
          runId,
          from: taskId,
          to,
          output,
          lamport,
          owner: deps.owner,
          now,
          leaseUntil: now + leaseMs(dependent),
          claimLamport,
          event: claimedEvent(deps, claimLamport),
        });
        if (claimed.ok) {
          fault(deps, 'afterEdgeClaim', { runId, taskId: to });
          deps.metrics.schedulingLatency(0);
          continued.push(claimed.record);
          return;
        }
        // touched before (a rollback's skip, a replayed edge): the plain edge sorts it out
      }
      const edge = { runId, from: taskId, to, output, lamport, ...ownDispatch(deps, plan, to, 'task') };
      const outcome = await deps.store.copyEdge(edge);
      // refused: this edge was counted before (a replay); whoever completed the set dispatched it
      if (!outcome.ok) return;
      if (counted) {
        const edges = counted.get(to) ?? new Map<string, number>();
        counted.set(to, edges.set(taskId, lamport));
      }
      if (outcome.record.depsDone.length !== dependent.deps.length) return;
      const readyLamport = Math.max(lamport, ...Object.values(outcome.record.depLamports));
      const message = taskMessage(run, to, readyLamport, deps.now());
      // the slot an edge claim took and did not use is this claim's
      const claimed = (here || takeSlot(dependent)) && (await claimHere(deps, dependent, message));
      if (claimed) continued.push(claimed);
      else ready.push(message);
    }),
  );
  if (ready.length > 0) {
    fault(deps, 'beforeDispatch', { runId, taskId });
    await sendDispatches(deps, ready);
  }
  return continued;
}

/** Claims a dependent its last edge made ready, for this worker; undefined if another got it first. */
async function claimHere(
  deps: RuntimeDeps,
  dependent: PlannedTask,
  message: TaskMessage,
): Promise<TaskRecord | undefined> {
  const outcome = await deps.store.claimTask(
    taskClaim(deps, message.runId, dependent, deps.now(), message.lamport + 1),
  );
  if (!outcome.ok) return undefined;
  deps.metrics.schedulingLatency(0);
  return outcome.record;
}

export async function countSink(
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
    return finishRun(
      deps,
      plan,
      runId,
      Math.max(lamport, run.lamport, ...Object.values(run.sinkLamports)) + 1,
    );
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
    await succeeded(deps, plan, outcome.record);
    return true;
  }
  const current = outcome.current;
  if (current?.status === 'compensating') await driveRollback(deps, runId);
  // refused for its time alone (the run's clock passed it: an early answer): counted, then finished above
  if (current?.status === 'running' && !current.sinksDone.includes(taskId)) {
    const counted = await deps.store.countSink({ runId, taskId, lamport });
    if (counted.ok) return finishRun(deps, plan, runId, Math.max(lamport, counted.record.lamport) + 1);
  }
  return false;
}

/** Marks the run succeeded, if every sink is counted and it is still running. */
export async function finishRun(
  deps: RuntimeDeps,
  plan: Plan,
  runId: string,
  lamport: number,
): Promise<boolean> {
  let at = lamport;
  for (let attempt = 0; attempt < FINISH_TRIES; attempt += 1) {
    const outcome = await deps.store.finishRun({
      runId,
      sinkCount: plan.sinks.length,
      lamport: at,
      now: deps.now(),
      expiresAt: expiresAt(deps),
      event: { type: 'run.succeeded', lamport: at, at: isoNow(deps) },
    });
    if (outcome.ok) {
      await succeeded(deps, plan, outcome.record);
      return true;
    }
    const current = outcome.current;
    // refused for its time alone: the run's clock moved past it (an early answer); again, above it
    const due = current?.status === 'running' && current.sinksDone.length === plan.sinks.length;
    if (!due || current.lamport < at) return false;
    at = current.lamport + 1;
  }
  return false;
}

/** Times a finish is sent again above a clock that moved meanwhile (one early answer can move it once). */
const FINISH_TRIES = 3;

/** What follows a run's success: its metric and log line, its parent's answer, its concurrency slot. */
async function succeeded(deps: RuntimeDeps, plan: Plan, run: RunRecord): Promise<void> {
  deps.metrics.runFinished('succeeded', deps.now() - run.createdAt);
  deps.logger.info('run succeeded', { runId: run.runId, workflow: plan.name });
  await answerParent(deps, run);
  await releaseRunSlot(deps, run);
}
