import type { RollbackStatus } from '../runtime/types.ts';
import { compensationOf, type Plan } from '../workflow/plan.ts';
import { rollBackMap } from './map.ts';
import type { RunRecord, TaskRecord } from './types.ts';

/** What the rollback must do next, given every task of a stopping run. */
export interface RollbackStep {
  /** Tasks never started: mark them `skipped` (conditional on their being still unstarted). */
  readonly skip: readonly string[];
  /** Running tasks not yet told: flag them so their end wakes the rollback up. */
  readonly flag: readonly string[];
  /** Tasks waiting for a callback: end the wait (`cancelled`); their token is refused from then on. */
  readonly cancel: readonly string[];
  /** Succeeded tasks whose compensation may start now. */
  readonly compensate: readonly string[];
  /** Every task is settled: the run can be finalised with this rollback outcome. */
  readonly finished?: Exclude<RollbackStatus, 'running'>;
}

/** The tasks a sync run's early answer reported final (none for a run not answered early). */
export function answeredPart(plan: Plan, run: Pick<RunRecord, 'answered'>): ReadonlySet<string> {
  if (run.answered === undefined) return new Set();
  const pending = new Set(run.answered.pending);
  return new Set(plan.order.filter((taskId) => !pending.has(taskId)));
}

const SETTLED = new Set(['failed', 'cancelled', 'compensated', 'compensation_failed']);
const UNSTARTED = new Set(['pending', 'ready']);

/**
 * The Saga, as a pure decision over the run's task records: a succeeded task's compensation starts once
 * every dependent is settled (never started, failed, or itself rolled back), so compensations run in
 * reverse dependency order and independent branches in parallel. A succeeded task without a compensation
 * is transparent: it is rolled back as soon as its dependents are. So is a skipped task: a `when` may
 * skip a task whose other descendants ran (through their other deps), so a skip is settled only once its
 * dependents are, and an ancestor is never compensated before a descendant behind a skip. Running tasks
 * are waited for; a wait for a callback is ended (no worker holds it, and it did not succeed).
 *
 * A sync run answered before it ended keeps what its answer reported final (`kept`): those tasks are
 * settled as they are, and only the tasks that still ran at the answer are rolled back.
 *
 * @example
 * const step = decideRollback(plan, new Map(records.map((r) => [r.taskId, r])));
 * // step.compensate: start these; step.finished: finalise the run
 */
export function decideRollback(
  plan: Plan,
  tasks: ReadonlyMap<string, TaskRecord>,
  kept: ReadonlySet<string> = new Set(),
): RollbackStep {
  const done = new Set<string>();
  const skip: string[] = [];
  const flag: string[] = [];
  const cancel: string[] = [];
  const compensate: string[] = [];
  let compensations = 0;
  let failedCompensations = 0;
  for (const taskId of [...plan.order].reverse()) {
    const planned = plan.tasks[taskId];
    if (!planned) continue;
    const record = tasks.get(taskId);
    // answered as final: a succeeded (or skipped) task stays as the caller was told
    if (kept.has(taskId) && (record?.status === 'succeeded' || record?.status === 'skipped')) {
      done.add(taskId);
      continue;
    }
    if (planned.map && record?.map) {
      // a map's items are rolled back item by item; the map is settled once they are
      const items = rollBackMap(taskId, { ...record, map: record.map }, tasks, {
        compensates: compensationOf(planned) !== undefined,
        dependentsDone: planned.dependents.every((dependent) => done.has(dependent)),
      });
      skip.push(...items.skip);
      flag.push(...items.flag);
      // a redriven map keeps its items' records until it starts again: until then it is stopped as any
      // task (skipped if not started, flagged while its start runs); its items are rolled back as above
      if (UNSTARTED.has(record.status)) skip.push(taskId);
      if (record.status === 'running' && !record.stopping) flag.push(taskId);
      if (items.cancel) cancel.push(taskId);
      compensate.push(...items.compensate);
      compensations += items.compensations;
      failedCompensations += items.failedCompensations;
      if (items.done) done.add(taskId);
      continue;
    }
    const status = record?.status ?? 'pending';
    if (status === 'compensated') compensations += 1;
    if (status === 'compensation_failed') {
      compensations += 1;
      failedCompensations += 1;
    }
    if (SETTLED.has(status)) {
      done.add(taskId);
      continue;
    }
    if (UNSTARTED.has(status)) {
      skip.push(taskId);
      continue;
    }
    if (status === 'running') {
      if (!record?.stopping) flag.push(taskId);
      continue;
    }
    if (status === 'waiting') {
      cancel.push(taskId);
      continue;
    }
    // succeeded or skipped: rolled back once its dependents are
    const dependentsDone = planned.dependents.every((dependent) => done.has(dependent));
    if (!dependentsDone) continue;
    // a map with no items (an empty list) has nothing to undo
    if (status === 'skipped' || !compensationOf(planned) || planned.map) {
      done.add(taskId);
    } else if (!record?.compensation) {
      compensate.push(taskId);
    }
  }
  const allDone = done.size === plan.order.length;
  if (!allDone) return { skip, flag, cancel, compensate };
  const finished = compensations === 0 ? 'none' : failedCompensations > 0 ? 'incomplete' : 'completed';
  return { skip, flag, cancel, compensate, finished };
}
