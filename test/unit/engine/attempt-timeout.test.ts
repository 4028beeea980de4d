import { describe, expect, it } from 'vitest';
import { attemptTimeout, CEILING_MARGIN_MS } from '../../../src/engine/attempt-timeout.ts';

describe('attemptTimeout', () => {
  const now = 1_000_000;
  it("keeps a task's own timeout, whatever the ceiling", () => {
    expect(attemptTimeout({ timeoutMs: 5_000 }, 100, now + 1_000, now)).toEqual({
      ms: 5_000,
      ceiling: false,
    });
  });
  it('bounds a task without timeout by the default ceiling and the invocation, less a margin', () => {
    expect(attemptTimeout({}, 3_600_000, undefined, now)).toEqual({ ms: 3_600_000, ceiling: true });
    expect(attemptTimeout({}, 3_600_000, now + 60_000, now)).toEqual({
      ms: 60_000 - CEILING_MARGIN_MS,
      ceiling: true,
    });
    expect(attemptTimeout({}, undefined, now + 5_000, now)).toEqual({ ms: 1, ceiling: true });
    expect(attemptTimeout({}, undefined, undefined, now)).toBeUndefined();
  });
});
