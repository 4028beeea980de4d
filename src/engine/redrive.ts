/**
 * The pure decisions of `on_failure: pause`: what a pause holds and flags, and what a redrive runs again.
 * The runtime carries them out with one store operation per task (src/runtime/redrive.ts).
 */
import type { Plan } from '../workflow/plan.ts';
import { itemRecords } from './map.ts';
import type { RunRecord, TaskRecord } from './types.ts';

/** What the pause does next: hold the tasks that have not started, flag those that run or wait. */
export interface PauseStep {
  readonly hold: readonly string[];
  readonly flag: readonly string[];
}

/**
 * The pause's next step over the run's tasks; empty once every task is held, flagged or ended. The items
 * of a map that failed are flagged too while they run: their ends start no next item (a map that failed
 * starts none from a message either, see src/runtime/execute-task.ts). A map that still waits runs its
 * items on, as any task that runs or waits: its end advances nothing.
 */
export function decidePause(plan: Plan, tasks: ReadonlyMap<string, TaskRecord>): PauseStep {
  const hold: string[] = [];
  const flag: string[] = [];
  const running = (record: TaskRecord | undefined) =>
    (record?.status === 'running' || record?.status === 'waiting') && !record.stopping;
  for (const taskId of plan.order) {
    const record = tasks.get(taskId);
    const status = record?.status ?? 'pending';
    if ((status === 'pending' || status === 'ready') && !record?.held) hold.push(taskId);
    if (running(record)) flag.push(taskId);
    if (record?.map && status === 'failed') {
      for (const item of itemRecords(taskId, record.map.count, tasks)) {
        if (item && running(item)) flag.push(item.taskId);
      }
    }
  }
  return { hold, flag };
}

/** What a redrive runs again, or why it cannot. */
export type RedriveDecision =
  | {
      readonly kind: 'redrive';
      /** The tasks reset: the failed ones, and `from` with everything after it. */
      readonly reset: readonly string[];
      /** The maps among them at or after `from`: every item runs again (the others keep what succeeded). */
      readonly rerunMaps: readonly string[];
      /** The sinks among them: uncounted on the run. */
      readonly dropSinks: readonly string[];
    }
  | { readonly kind: 'refused'; readonly code: string; readonly message: string };

/**
 * A redrive of a paused run resets every task that failed for good and, with `from`, that task and every
 * task after it (their checkpoints are replaced), keeping every other checkpoint. A map that failed keeps
 * its items' records: its next start runs again only the items that did not succeed (or whose value
 * changed, see src/engine/map-redrive.ts); a map at or after `from` runs every item again, its items'
 * records reset with it. Refused for a run that is not paused, an unknown `from`, or a task to reset (or
 * an item of a map to reset) that still runs or waits.
 *
 * @example
 * decideRedrive(plan, run, tasks, 'score'); // { kind: 'redrive', reset: ['score', 'decide'], ... }
 */
export function decideRedrive(
  plan: Plan,
  run: RunRecord,
  tasks: ReadonlyMap<string, TaskRecord>,
  from?: string,
): RedriveDecision {
  if (run.status !== 'paused') {
    return {
      kind: 'refused',
      code: 'run.notPaused',
      message: `run ${run.runId} is ${run.status}, not paused: only a paused run (on_failure: pause) can be redriven`,
    };
  }
  if (from !== undefined && plan.tasks[from] === undefined) {
    return {
      kind: 'refused',
      code: 'redrive.unknownTask',
      message: `workflow ${plan.name} has no task '${from}' to redrive from (its tasks: ${plan.order.join(', ')})`,
    };
  }
  const reset = new Set(plan.order.filter((taskId) => tasks.get(taskId)?.status === 'failed'));
  const rerun = from === undefined ? [] : [from, ...after(plan, from)];
  for (const taskId of rerun) reset.add(taskId);
  const busy = [...reset]
    .flatMap((taskId) => {
      const map = tasks.get(taskId)?.map;
      return [
        taskId,
        ...(map ? itemRecords(taskId, map.count, tasks).map((item) => item?.taskId ?? '') : []),
      ];
    })
    .filter((id) => {
      const status = tasks.get(id)?.status;
      return status === 'running' || status === 'waiting';
    });
  if (busy.length > 0) {
    return {
      kind: 'refused',
      code: 'redrive.taskBusy',
      message: `task ${busy.map((t) => `'${t}'`).join(', ')} of run ${run.runId} is still ${tasks.get(busy[0] ?? '')?.status}; redrive once it has ended`,
    };
  }
  const ordered = plan.order.filter((taskId) => reset.has(taskId));
  return {
    kind: 'redrive',
    reset: ordered,
    rerunMaps: rerun.filter((taskId) => plan.tasks[taskId]?.map !== undefined),
    dropSinks: plan.sinks.filter((sink) => reset.has(sink)),
  };
}

/** Every task reachable from `taskId` along its dependents, in plan order. */
function after(plan: Plan, taskId: string): string[] {
  const found = new Set<string>();
  const visit = (id: string): void => {
    for (const dependent of plan.tasks[id]?.dependents ?? []) {
      if (!found.has(dependent)) {
        found.add(dependent);
        visit(dependent);
      }
    }
  };
  visit(taskId);
  return plan.order.filter((id) => found.has(id));
}

/** How a reset task starts again: a root is `ready`; a dependent is `pending`, without its reset deps. */
export function resetShape(
  plan: Plan,
  taskId: string,
  reset: readonly string[],
): { readonly status: 'ready' | 'pending'; readonly dropDeps: readonly string[] } {
  const deps = plan.tasks[taskId]?.deps ?? [];
  return {
    status: deps.length === 0 ? 'ready' : 'pending',
    dropDeps: deps.filter((dep) => reset.includes(dep)),
  };
}
