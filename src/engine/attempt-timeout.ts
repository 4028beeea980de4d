import type { PlannedTask } from '../workflow/plan.ts';

/** Time kept at the end of an invocation to record an attempt that hit the ceiling. */
export const CEILING_MARGIN_MS = 10_000;

/** How long an attempt may run: its task's `timeout`, or for a task without one, weft's ceiling. */
export type AttemptTimeout = { readonly ms: number; readonly ceiling: boolean };

/**
 * The attempt's time limit: the task's own `timeout`; for a task without one, the smaller of the
 * deployment's default ceiling and what is left of the invocation (less a margin to record the timeout),
 * so that no attempt hangs forever nor outlives its worker.
 *
 * @example
 * attemptTimeout({ ...task, timeoutMs: undefined }, 3_600_000, now + 60_000, now); // { ms: 50_000, ceiling: true }
 */
export function attemptTimeout(
  task: Pick<PlannedTask, 'timeoutMs'>,
  defaultCeilingMs: number | undefined,
  deadlineAt: number | undefined,
  now: number,
): AttemptTimeout | undefined {
  if (task.timeoutMs !== undefined) return { ms: task.timeoutMs, ceiling: false };
  const limits = [
    defaultCeilingMs,
    deadlineAt === undefined ? undefined : Math.max(1, deadlineAt - now - CEILING_MARGIN_MS),
  ].filter((limit): limit is number => limit !== undefined);
  return limits.length === 0 ? undefined : { ms: Math.min(...limits), ceiling: true };
}
