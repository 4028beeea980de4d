import type { HistoryEvent } from '../src/runtime/index.ts';
import type { Plan } from '../src/workflow/plan.ts';

/**
 * Dispatch latencies of one run from its history: for each task with dependencies, the time from its last
 * dependency's `task.succeeded` to its own first `task.claimed`, in ms (history times have ms resolution).
 * Roots have no dependency and are left out.
 *
 * @example
 * historyLatencies(plan, await runtime.history(runId)) // [4, 3, 5]
 */
export function historyLatencies(plan: Plan, history: readonly HistoryEvent[]): number[] {
  const succeededAt = new Map<string, number>();
  const claimedAt = new Map<string, number>();
  for (const event of history) {
    if (event.taskId === undefined) continue;
    const at = Date.parse(event.at);
    if (event.type === 'task.succeeded') succeededAt.set(event.taskId, at);
    else if (event.type === 'task.claimed' && !claimedAt.has(event.taskId)) claimedAt.set(event.taskId, at);
  }
  const latencies: number[] = [];
  for (const task of Object.values(plan.tasks)) {
    const claimed = claimedAt.get(task.id);
    if (task.deps.length === 0 || claimed === undefined) continue;
    const ready = Math.max(...task.deps.map((dep) => succeededAt.get(dep) ?? Number.NaN));
    if (Number.isFinite(ready)) latencies.push(claimed - ready);
  }
  return latencies;
}
