import type { HistoryEvent } from '../src/runtime/index.ts';
import type { Plan } from '../src/workflow/plan.ts';

/** Each task's first `task.succeeded` and first `task.claimed` time in a run's history, epoch ms. */
function taskTimes(history: readonly HistoryEvent[]): {
  readonly succeededAt: ReadonlyMap<string, number>;
  readonly claimedAt: ReadonlyMap<string, number>;
} {
  const succeededAt = new Map<string, number>();
  const claimedAt = new Map<string, number>();
  for (const event of history) {
    if (event.taskId === undefined) continue;
    const at = Date.parse(event.at);
    if (event.type === 'task.succeeded') succeededAt.set(event.taskId, at);
    else if (event.type === 'task.claimed' && !claimedAt.has(event.taskId)) claimedAt.set(event.taskId, at);
  }
  return { succeededAt, claimedAt };
}

/**
 * For each task with dependencies, the time from its last dependency's `task.succeeded` to `startedAt` of
 * the task (epoch ms; tasks it gives no time for are left out). Roots have no dependency and are left out.
 *
 * @example
 * sinceLastDependency(plan, history, (taskId) => handlerStarts.get(`${runId}/${taskId}`)) // [9, 11]
 */
export function sinceLastDependency(
  plan: Plan,
  history: readonly HistoryEvent[],
  startedAt: (taskId: string) => number | undefined,
): number[] {
  const { succeededAt } = taskTimes(history);
  const latencies: number[] = [];
  for (const task of Object.values(plan.tasks)) {
    const started = startedAt(task.id);
    if (task.deps.length === 0 || started === undefined) continue;
    const ready = Math.max(...task.deps.map((dep) => succeededAt.get(dep) ?? Number.NaN));
    if (Number.isFinite(ready)) latencies.push(started - ready);
  }
  return latencies;
}

/**
 * Dispatch latencies of one run from its history: for each task with dependencies, the time from its last
 * dependency's `task.succeeded` to its own first `task.claimed`, in ms (history times have ms resolution).
 * Roots have no dependency and are left out.
 *
 * @example
 * historyLatencies(plan, await runtime.history(runId)) // [4, 3, 5]
 */
export function historyLatencies(plan: Plan, history: readonly HistoryEvent[]): number[] {
  const { claimedAt } = taskTimes(history);
  return sinceLastDependency(plan, history, (taskId) => claimedAt.get(taskId));
}

/**
 * The first task's `task.succeeded` to the last one's, ms: on a chain of n tasks, n - 1 hops, each a
 * checkpoint and what it takes the next task to be claimed, run and checkpointed in turn.
 */
export function succeededSpan(history: readonly HistoryEvent[]): number {
  const times = [...taskTimes(history).succeededAt.values()];
  return times.length === 0 ? 0 : Math.max(...times) - Math.min(...times);
}
