import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideFailure, queueDelaySeconds, retryDelayMs } from '../../../src/engine/retry.ts';
import type { RetryPolicy } from '../../../src/workflow/plan.ts';

const policy = (fields: Partial<RetryPolicy> = {}): RetryPolicy => ({
  maxAttempts: 5,
  backoffMs: 1000,
  backoffRate: 2,
  jitter: 'none',
  ...fields,
});

describe('retryDelayMs', () => {
  it('grows exponentially from the first backoff', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(policy(), n, 0.5))).toEqual([1000, 2000, 4000, 8000]);
  });

  it('caps every delay at max_backoff', () => {
    expect(retryDelayMs(policy({ maxBackoffMs: 3000 }), 4, 0.5)).toBe(3000);
  });

  it('draws full jitter uniformly within [0, delay]', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.integer({ min: 1, max: 60_000 }),
        (failures, random, backoffMs) => {
          const capped = policy({ jitter: 'full', backoffMs, maxBackoffMs: 600_000 });
          const ceiling = Math.min(backoffMs * 2 ** (failures - 1), 600_000);
          const delay = retryDelayMs(capped, failures, random);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(ceiling);
          expect(delay).toBe(Math.floor(random * ceiling));
        },
      ),
    );
  });

  it('stays finite when the exponent overflows without a cap', () => {
    expect(Number.isFinite(retryDelayMs(policy({ backoffRate: 10 }), 400, 0.5))).toBe(true);
  });
});

describe('decideFailure', () => {
  it('retries while attempts are left', () => {
    expect(decideFailure(policy({ maxAttempts: 3 }), 2, 'Error', 0)).toEqual({
      kind: 'retry',
      delayMs: 2000,
    });
  });

  it('fails once the attempts are exhausted', () => {
    expect(decideFailure(policy({ maxAttempts: 3 }), 3, 'Error', 0)).toEqual({
      kind: 'fail',
      reason: 'exhausted',
    });
  });

  it('fails an error that retry_on does not list', () => {
    expect(decideFailure(policy({ retryOn: ['Flaky'] }), 1, 'Broken', 0)).toEqual({
      kind: 'fail',
      reason: 'notRetryable',
    });
    expect(decideFailure(policy({ retryOn: ['Flaky'] }), 1, 'Flaky', 0).kind).toBe('retry');
  });

  it('never retries an output that is too large', () => {
    expect(decideFailure(policy(), 1, 'OutputTooLargeError', 0).kind).toBe('fail');
  });

  it("never retries a typed handler's validation failure, even when retry_on lists it", () => {
    const listed = policy({ maxAttempts: 5, retryOn: ['HandlerValidationError'] });
    expect(decideFailure(listed, 1, 'HandlerValidationError', 0)).toEqual({
      kind: 'fail',
      reason: 'notRetryable',
    });
  });
});

describe('queueDelaySeconds', () => {
  it('rounds up to whole seconds within SQS limits', () => {
    expect(queueDelaySeconds(1_100, 1_000)).toBe(1);
    expect(queueDelaySeconds(500, 1_000)).toBe(0);
    expect(queueDelaySeconds(3_600_000, 0)).toBe(900);
  });
});
