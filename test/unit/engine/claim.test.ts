import { describe, expect, it } from 'vitest';
import { explainCompensationClaim, explainTaskClaim, nextLamport } from '../../../src/engine/claim.ts';
import { task } from './records.ts';

describe('explainTaskClaim', () => {
  it('asks to resend a retry that is not due yet', () => {
    expect(explainTaskClaim(task('a', { status: 'ready', dueAt: 2000 }), 0, 1000, 5)).toEqual({
      kind: 'notDue',
      dueAt: 2000,
    });
  });

  it('asks to claim again above a later Lamport time', () => {
    expect(explainTaskClaim(task('a', { status: 'ready', lamport: 9 }), 0, 1000, 5)).toEqual({
      kind: 'lamportBehind',
      lamport: 9,
    });
  });

  it('drops a duplicate of a task that is taken or done', () => {
    expect(explainTaskClaim(task('a', { status: 'running', leaseUntil: 5000 }), 0, 1000, 5).kind).toBe(
      'drop',
    );
    expect(explainTaskClaim(task('a', { status: 'succeeded', lamport: 9 }), 0, 1000, 5).kind).toBe('drop');
    expect(explainTaskClaim(undefined, 1, 1000, 5).kind).toBe('drop');
  });

  it('explains compensation claims the same way', () => {
    const ready = task('a', {
      status: 'succeeded',
      compensation: { status: 'ready', attempt: 0, failures: 0, dueAt: 3000 },
    });
    expect(explainCompensationClaim(ready, 1000, 5)).toEqual({ kind: 'notDue', dueAt: 3000 });
    expect(explainCompensationClaim(task('a', { status: 'compensated' }), 1000, 5).kind).toBe('drop');
  });
});

describe('nextLamport', () => {
  it('is one more than everything seen', () => {
    expect(nextLamport(3, 9, 4)).toBe(10);
    expect(nextLamport()).toBe(1);
  });
});
