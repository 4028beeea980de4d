import { describe, expect, it } from 'vitest';
import { attemptTimeout } from '../../../src/engine/attempt-timeout.ts';

describe('attemptTimeout', () => {
  it("keeps a task's own timeout, whatever the ceiling", () => {
    expect(attemptTimeout({ timeoutMs: 5_000 }, 100)).toEqual({ ms: 5_000, ceiling: false });
  });
  it('bounds a task without timeout by the ceiling, when there is one', () => {
    expect(attemptTimeout({}, 3_600_000)).toEqual({ ms: 3_600_000, ceiling: true });
    expect(attemptTimeout({}, undefined)).toBeUndefined();
  });
});
