import { describe, expect, it } from 'vitest';
import { decideDeadline } from '../../../src/engine/deadline.ts';
import { run } from './records.ts';

describe('decideDeadline', () => {
  it('stops a run still running at or past its deadline', () => {
    expect(decideDeadline(run(), 10_000, 10_000)).toEqual({ kind: 'stop' });
    expect(decideDeadline(run(), 10_000, 99_000)).toEqual({ kind: 'stop' });
  });

  it('drops the deadline of a run already final or stopping, whenever it arrives', () => {
    for (const status of ['succeeded', 'failed', 'cancelled', 'compensating'] as const) {
      expect(decideDeadline(run({ status }), 10_000, 20_000)).toEqual({ kind: 'drop' });
      expect(decideDeadline(run({ status }), 10_000, 0)).toEqual({ kind: 'drop' });
    }
  });

  it('waits the rest of the delay when received early, in whole seconds within SQS limit', () => {
    expect(decideDeadline(run(), 10_000, 8_500)).toEqual({ kind: 'wait', delaySeconds: 2 });
    expect(decideDeadline(run(), 10_000, 9_999)).toEqual({ kind: 'wait', delaySeconds: 1 });
    expect(decideDeadline(run(), 3_600_000, 0)).toEqual({ kind: 'wait', delaySeconds: 900 });
  });
});
