import type { PlannedTask } from '../workflow/plan.ts';

/** How long an attempt may run: its task's `timeout`, or for a task without one, weft's ceiling. */
export type AttemptTimeout = { readonly ms: number; readonly ceiling: boolean };

/**
 * The attempt's time limit: the task's own `timeout`; for a task without one, the deployment's ceiling
 * (1 hour locally; on AWS the worker's timeout less a margin), so that no attempt hangs forever.
 *
 * @example
 * attemptTimeout({ timeoutMs: undefined }, 3_600_000); // { ms: 3_600_000, ceiling: true }
 */
export function attemptTimeout(
  task: Pick<PlannedTask, 'timeoutMs'>,
  ceilingMs: number | undefined,
): AttemptTimeout | undefined {
  if (task.timeoutMs !== undefined) return { ms: task.timeoutMs, ceiling: false };
  return ceilingMs === undefined ? undefined : { ms: ceilingMs, ceiling: true };
}
