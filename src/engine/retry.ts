import type { RetryPolicy } from '../workflow/plan.ts';
import type { FailureDecision } from './types.ts';

/**
 * The delay before attempt `failures + 1`, after `failures` failed attempts (>= 1): `backoff *
 * rate^(failures-1)`, capped by `maxBackoffMs`; with full jitter, drawn uniformly from [0, that delay].
 * `random` is a number in [0, 1) supplied by the caller: the engine draws no randomness itself.
 *
 * @example
 * retryDelayMs({ maxAttempts: 3, backoffMs: 1000, backoffRate: 2, jitter: 'none' }, 2, 0.5); // 2000
 */
export function retryDelayMs(policy: RetryPolicy, failures: number, random: number): number {
  const exponent = Math.max(0, failures - 1);
  const uncapped = policy.backoffMs * policy.backoffRate ** exponent;
  const capped = policy.maxBackoffMs === undefined ? uncapped : Math.min(uncapped, policy.maxBackoffMs);
  const ceiling = Number.isFinite(capped) ? capped : (policy.maxBackoffMs ?? Number.MAX_SAFE_INTEGER);
  if (policy.jitter === 'none') return Math.round(ceiling);
  const unit = Math.min(Math.max(random, 0), 1);
  return Math.floor(unit * ceiling);
}

/** Errors that are never retried, whatever the policy says: retrying cannot change their outcome. */
export const NON_RETRYABLE_ERRORS: ReadonlySet<string> = new Set([
  'OutputTooLargeError',
  'InvalidOutputError',
  'HandlerNotFoundError',
  'TaskLostError',
  'ExpressionError',
  'ChildWorkflowMissingError',
  'ChildInputError',
  'MapItemsError',
  'MapFailed',
  'IsolationUnavailable',
  // a typed handler's value against its schema: the same value fails the same way
  'HandlerValidationError',
]);

/**
 * Decides what a failed attempt leads to: another attempt after a delay, or failure for good.
 *
 * @param failures failed attempts so far, this one included
 */
export function decideFailure(
  policy: RetryPolicy,
  failures: number,
  errorName: string,
  random: number,
): FailureDecision {
  if (NON_RETRYABLE_ERRORS.has(errorName)) return { kind: 'fail', reason: 'notRetryable' };
  if (policy.retryOn !== undefined && !policy.retryOn.includes(errorName)) {
    return { kind: 'fail', reason: 'notRetryable' };
  }
  if (failures >= policy.maxAttempts) return { kind: 'fail', reason: 'exhausted' };
  return { kind: 'retry', delayMs: retryDelayMs(policy, failures, random) };
}

/** SQS delays a message by at most 15 minutes; longer waits are re-sent on receipt until due. */
export const MAX_QUEUE_DELAY_SECONDS = 900;

/** Whole seconds to delay a message so it arrives no earlier than `dueAt`, within SQS's limit. */
export function queueDelaySeconds(dueAt: number, now: number): number {
  const seconds = Math.ceil((dueAt - now) / 1000);
  return Math.min(Math.max(seconds, 0), MAX_QUEUE_DELAY_SECONDS);
}
