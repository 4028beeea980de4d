import type {
  CompensationView,
  HistoryEvent,
  Json,
  RunView,
  TaskStatus,
  TaskView,
} from '../runtime/types.ts';
import { compensationOf, type Plan, type PlannedTask } from '../workflow/plan.ts';
import { itemRecords, unreleased } from './map.ts';
import type { MapState, RunRecord, TaskRecord } from './types.ts';

/**
 * The run as callers see it, from its records: every task of the plan (untouched ones are `pending`, a
 * pending task whose dependencies all succeeded or were skipped is `ready`, its edges written or not yet),
 * and compensations in the order they finished.
 */
export function runView(plan: Plan, run: RunRecord, tasks: ReadonlyMap<string, TaskRecord>): RunView {
  const views: Record<string, TaskView> = {};
  const finished: { view: CompensationView; lamport: number }[] = [];
  for (const taskId of Object.keys(plan.tasks)) {
    const planned = plan.tasks[taskId];
    const record = tasks.get(taskId);
    if (!planned) continue;
    views[taskId] = taskView(record, planned, tasks);
    const handler = compensationOf(planned)?.handler;
    if (!handler) continue;
    // a map's compensations are its items'
    const undone = planned.map && record?.map ? itemRecords(taskId, record.map.count, tasks) : [record];
    for (const item of undone) {
      if (item?.compensationFinished === undefined) continue;
      finished.push({
        lamport: item.compensationFinished,
        view: {
          task: item.taskId,
          handler,
          status: item.status === 'compensated' ? 'succeeded' : 'failed',
          attempts: item.compensationAttempts ?? 0,
          ...(item.status === 'compensation_failed' && item.compensationError
            ? { error: item.compensationError }
            : {}),
        },
      });
    }
  }
  finished.sort((a, b) => a.lamport - b.lamport || a.view.task.localeCompare(b.view.task));
  return {
    runId: run.runId,
    workflow: run.workflow,
    planVersion: run.planVersion,
    status: run.status,
    rollback: run.rollback,
    input: JSON.parse(run.input) as Json,
    tasks: views,
    compensations: finished.map((f) => f.view),
    ...(run.error ? { error: run.error } : {}),
    ...(run.parent ? { parent: { ...run.parent } } : {}),
    ...(run.answered
      ? { answered: { at: new Date(run.answered.at).toISOString(), pending: [...run.answered.pending] } }
      : {}),
    ...lockSummary(tasks),
  };
}

/** The lock waits of every attempt of the run (a `task.lockAcquired` entry each), as p99 and longest. */
function lockSummary(tasks: ReadonlyMap<string, TaskRecord>): Pick<RunView, 'locks'> {
  const waits: number[] = [];
  for (const record of tasks.values()) {
    for (const event of record.events) {
      if (event.type === 'task.lockAcquired') waits.push(Number(event.detail?.waitedMs ?? 0));
    }
  }
  if (waits.length === 0) return {};
  waits.sort((a, b) => a - b);
  const p99 = waits[Math.max(0, Math.ceil(waits.length * 0.99) - 1)] ?? 0;
  return { locks: { acquired: waits.length, waitP99Ms: p99, waitMaxMs: waits.at(-1) ?? 0 } };
}

/** The locks the last attempt of a task took: the `task.lockAcquired` entries its last claim recorded. */
function locksOf(record: TaskRecord): Pick<TaskView, 'locks'> {
  const claim = record.events.findLastIndex((event) => event.type === 'task.claimed');
  const locks: { key: string; waitedMs: number }[] = [];
  for (let i = claim - 1; i >= 0; i -= 1) {
    const event = record.events[i];
    if (event?.type === 'task.lockAcquired') {
      locks.unshift({ key: String(event.detail?.key), waitedMs: Number(event.detail?.waitedMs ?? 0) });
    } else if (event?.type !== 'task.lockWaiting') break;
  }
  return locks.length === 0 ? {} : { locks };
}

function taskView(
  record: TaskRecord | undefined,
  planned: PlannedTask,
  tasks: ReadonlyMap<string, TaskRecord>,
): TaskView {
  // dependencies all done: dispatched, whether its edges are written yet or still on their way (carried by
  // its dispatch, held back by the worker that continues it)
  const depsEnded =
    planned.deps.length > 0 && planned.deps.every((dep) => hasSucceededOrSkipped(tasks.get(dep)));
  if (!record) return { status: depsEnded ? 'ready' : 'pending', attempts: 0 };
  if (planned.map && record.map) return mapView(record, record.map, tasks);
  const wakeAt = sleepingUntil(record);
  const status: TaskStatus =
    record.status === 'pending' && (depsEnded || allCounted(record, planned))
      ? 'ready'
      : wakeAt !== undefined
        ? 'sleeping'
        : record.status;
  return {
    status,
    attempts: record.attempt,
    ...(wakeAt !== undefined ? { wakeAt } : {}),
    // a child workflow task's wait token is its child's id: the view links the child instead
    ...(planned.child ? childOf(record, planned.child.workflow) : callbackOf(record)),
    ...skipOf(record),
    ...locksOf(record),
    ...(record.output !== undefined ? { output: JSON.parse(record.output) as Json } : {}),
    ...(record.error ? { error: record.error } : {}),
  };
}

function allCounted(record: TaskRecord, planned: PlannedTask): boolean {
  return planned.deps.length > 0 && record.depsDone.length === planned.deps.length;
}

function hasSucceededOrSkipped(record: TaskRecord | undefined): boolean {
  return record?.status === 'succeeded' || record?.status === 'skipped';
}

/** A map task: `running` while its items run (it waits, holding no worker), with its items' tally. */
function mapView(record: TaskRecord, map: MapState, tasks: ReadonlyMap<string, TaskRecord>): TaskView {
  const tally = { succeeded: 0, failed: 0, running: 0, compensated: 0 };
  for (const item of itemRecords(record.taskId, map.count, tasks)) {
    if (item?.status === 'succeeded') tally.succeeded += 1;
    else if (item?.status === 'failed') tally.failed += 1;
    else if (item?.status === 'running' || (item?.status === 'ready' && !unreleased(item)))
      tally.running += 1;
    else if (item?.status === 'compensated' || item?.status === 'compensation_failed') tally.compensated += 1;
  }
  return {
    status: record.status === 'waiting' ? 'running' : record.status,
    attempts: record.attempt,
    map: {
      items: map.count,
      lanes: map.lanes,
      ...tally,
      ...(map.kept.length > 0 ? { kept: map.kept.length } : {}),
    },
    ...(record.output !== undefined ? { output: JSON.parse(record.output) as Json } : {}),
    ...(record.error ? { error: record.error } : {}),
  };
}

/** A callback task's open token, while its attempt runs or waits. */
function callbackOf(record: TaskRecord): Pick<TaskView, 'callback'> {
  const callback = record.callback;
  if (!callback || (record.status !== 'running' && record.status !== 'waiting')) return {};
  const timeoutAt =
    callback.timeoutAt === undefined ? {} : { timeoutAt: new Date(callback.timeoutAt).toISOString() };
  return { callback: { token: callback.token, ...timeoutAt } };
}

/** The child run a `workflow:` task started last, from its `task.waiting` entry. */
function childOf(record: TaskRecord, workflow: string): Pick<TaskView, 'child'> {
  // the wait's entry names the child, and so does the child's answer (which may come before the wait's
  // entry is written: a child that ended while its parent's taken-over attempt started it again)
  const runId = record.events.findLast((event) => typeof event.detail?.childRunId === 'string')?.detail
    ?.childRunId;
  return typeof runId === 'string' ? { child: { runId, workflow } } : {};
}

/** Why a task was skipped by its condition or its deps, from its `task.skipped` entry (none for the rollback's). */
function skipOf(record: TaskRecord): Pick<TaskView, 'skip'> {
  if (record.status !== 'skipped') return {};
  const detail = record.events.findLast((event) => event.type === 'task.skipped')?.detail;
  if (detail?.reason === 'condition' && typeof detail.when === 'string') {
    return { skip: { reason: 'condition', when: detail.when } };
  }
  if (detail?.reason === 'dependencies' && Array.isArray(detail.skipped)) {
    return { skip: { reason: 'dependencies', skipped: detail.skipped.map(String) } };
  }
  return {};
}

/** The wake time of a sleep task that is sleeping: due, with `task.sleeping` as its last entry. */
function sleepingUntil(record: TaskRecord): string | undefined {
  const last = record.events[record.events.length - 1];
  if (record.status !== 'ready' || last?.type !== 'task.sleeping') return undefined;
  const until = last.detail?.until;
  return typeof until === 'string' ? until : undefined;
}

/** Every event of the run, totally ordered by Lamport time (ties broken by task id, the run's own first). */
export function runHistory(run: RunRecord, tasks: ReadonlyMap<string, TaskRecord>): HistoryEvent[] {
  const events: HistoryEvent[] = run.events.map((e) => ({ ...e }));
  for (const record of tasks.values()) {
    // each claim adds one to the attempt counter, so the n-th claim of an item started attempt n
    const claims = { 'task.claimed': 0, 'compensation.claimed': 0 };
    for (const e of record.events) {
      if (e.type === 'task.claimed' || e.type === 'compensation.claimed') {
        claims[e.type] += 1;
        events.push({ ...e, attempt: claims[e.type], taskId: record.taskId });
      } else {
        events.push({ ...e, taskId: record.taskId });
      }
    }
  }
  return events.sort(compareHistory);
}

/**
 * The history's order: Lamport time, then task id, the run's own events (which have none) first. A page's
 * cursor is a position in this order, so pages are cut by the very comparison the history is sorted with.
 */
export function compareHistory(
  a: Pick<HistoryEvent, 'lamport' | 'taskId'>,
  b: Pick<HistoryEvent, 'lamport' | 'taskId'>,
): number {
  return a.lamport - b.lamport || (a.taskId ?? '').localeCompare(b.taskId ?? '');
}
