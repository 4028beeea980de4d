import type { TaskStatus } from '../runtime/types.ts';

/** Statuses after which a task does nothing more (a rollback may still compensate a succeeded one). */
const ENDED: ReadonlySet<TaskStatus> = new Set([
  'succeeded',
  'failed',
  'skipped',
  'cancelled',
  'compensated',
  'compensation_failed',
]);

/**
 * Whether a task (or a map's item) in this status has ended: no attempt of it runs or starts again.
 *
 * @example
 * hasEnded('waiting'); // false
 */
export function hasEnded(status: TaskStatus): boolean {
  return ENDED.has(status);
}
