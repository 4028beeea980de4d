/**
 * When a sync run's caller may be answered before the run ends (src/runtime/sync-run.ts carries it out):
 * pure, over the tasks' statuses.
 */
import type { RunStatus, TaskStatus } from '../runtime/types.ts';
import type { Plan } from '../workflow/plan.ts';
import { hasEnded } from './task-status.ts';

/**
 * A running sync run whose critical path (every task not in `plan.offPath`) has succeeded or was skipped
 * may be answered now, naming the off-path tasks that still run; with none left running the run is about
 * to end, and the answer waits for that. Any other run waits (an async plan's caller is answered when
 * the run is settled).
 *
 * @example
 * decideEarlyAnswer(plan, 'running', (id) => view.tasks[id]?.status); // { pending: ['send_email'] }
 */
export function decideEarlyAnswer(
  plan: Plan,
  status: RunStatus,
  statusOf: (taskId: string) => TaskStatus | undefined,
): { readonly pending: readonly string[] } | undefined {
  if (plan.mode !== 'sync' || status !== 'running') return undefined;
  const off = new Set(plan.offPath ?? []);
  const critical = plan.order.filter((taskId) => !off.has(taskId));
  const final = (taskId: string) => {
    const current = statusOf(taskId);
    return current === 'succeeded' || current === 'skipped';
  };
  if (!critical.every(final)) return undefined;
  const pending = plan.order.filter((taskId) => {
    const current = statusOf(taskId);
    return current === undefined || !hasEnded(current);
  });
  return pending.length === 0 ? undefined : { pending };
}
