/**
 * The pure decisions of a callback task's wait: when it lapses, what a completion makes of the task, and
 * where a heartbeat moves the lapse to. The runtime carries them out with one store operation each.
 */
import type { TaskErrorView } from '../runtime/types.ts';
import type { PlannedCallback, RetryPolicy } from '../workflow/plan.ts';
import type { CallbackCompletion } from './operations.ts';
import { decideFailure } from './retry.ts';
import type { TaskRecord } from './types.ts';

/** When a wait that starts at `now` times out, and when it first lapses (the timeout or a heartbeat's). */
export function waitDeadlines(
  callback: PlannedCallback,
  now: number,
): { readonly timeoutAt?: number; readonly dueAt?: number } {
  const timeoutAt = callback.timeoutMs === undefined ? undefined : now + callback.timeoutMs;
  const dueAt = heartbeatDue(callback, timeoutAt, now);
  return { ...(timeoutAt === undefined ? {} : { timeoutAt }), ...(dueAt === undefined ? {} : { dueAt }) };
}

/** Where a heartbeat at `now` moves the lapse: the next heartbeat's deadline, never past the timeout. */
export function heartbeatDue(
  callback: PlannedCallback,
  timeoutAt: number | undefined,
  now: number,
): number | undefined {
  const beat = callback.heartbeatMs === undefined ? undefined : now + callback.heartbeatMs;
  if (beat === undefined) return timeoutAt;
  return timeoutAt === undefined ? beat : Math.min(beat, timeoutAt);
}

/**
 * Whether `token` is the open token of the record's current attempt: the task runs (its handler, before
 * the wait) or waits, for that attempt, with that token. What every completion and heartbeat requires.
 */
export function holdsToken(
  record: TaskRecord | undefined,
  presented: { readonly token: string; readonly attempt: number },
): record is TaskRecord & { readonly callback: NonNullable<TaskRecord['callback']> } {
  return (
    (record?.status === 'running' || record?.status === 'waiting') &&
    record.attempt === presented.attempt &&
    record.callback?.token === presented.token
  );
}

/** Why a waiting task whose due time has passed lapsed: its timeout, or a missed heartbeat. */
export function lapseOf(record: TaskRecord): 'timeout' | 'heartbeat' {
  const timeoutAt = record.callback?.timeoutAt;
  return timeoutAt !== undefined && (record.dueAt ?? 0) >= timeoutAt ? 'timeout' : 'heartbeat';
}

/** What a completion brings: the output (JSON text), or the error the callback reported. */
export type CallbackResult = { readonly output: string } | { readonly error: TaskErrorView };

/**
 * What a completion makes of the attempt: succeeded with the output; or, for an error, a retry after the
 * policy's backoff (a fresh attempt, with a fresh token) or the task's failure.
 *
 * @param random in [0, 1): the retry's jitter
 */
export function decideCompletion(
  retry: RetryPolicy,
  record: TaskRecord,
  result: CallbackResult,
  at: { readonly now: number; readonly expiresAt: number; readonly random: number },
): CallbackCompletion {
  if ('output' in result) return { status: 'succeeded', output: result.output, expiresAt: at.expiresAt };
  const failures = record.failures + 1;
  const decision = decideFailure(retry, failures, result.error.name, at.random);
  if (decision.kind === 'retry') {
    return { status: 'ready', error: result.error, failures, dueAt: at.now + decision.delayMs };
  }
  return { status: 'failed', error: result.error, failures, expiresAt: at.expiresAt };
}
