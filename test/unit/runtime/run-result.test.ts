import { describe, expect, it } from 'vitest';
import { exitCodeFor, isFinished, isSettled, toRunResult } from '../../../src/runtime/run-result.ts';
import type { RunView } from '../../../src/runtime/types.ts';

function view(overrides: Partial<RunView>): RunView {
  return {
    runId: 'r1',
    workflow: 'w',
    planVersion: 'v',
    status: 'running',
    rollback: 'none',
    input: { secret: 1 },
    tasks: {},
    compensations: [],
    ...overrides,
  };
}

describe('toRunResult', () => {
  it('keeps exactly the documented fields', () => {
    const result = toRunResult(
      view({
        status: 'failed',
        rollback: 'completed',
        tasks: {
          a: { status: 'compensated', attempts: 1, output: { x: 1 } },
          b: { status: 'failed', attempts: 3, error: { name: 'Boom', message: 'no' } },
        },
        compensations: [{ task: 'a', handler: 'undo_a', status: 'succeeded', attempts: 1 }],
        error: { name: 'Boom', message: 'no' },
      }),
    );
    expect(result).toEqual({
      runId: 'r1',
      status: 'failed',
      rollback: 'completed',
      tasks: {
        a: { status: 'compensated', attempts: 1, output: { x: 1 } },
        b: { status: 'failed', attempts: 3, error: { name: 'Boom', message: 'no' } },
      },
      compensations: [{ task: 'a', handler: 'undo_a', status: 'succeeded', attempts: 1 }],
      error: { name: 'Boom', message: 'no' },
    });
  });
});

describe('exit status', () => {
  it('is 0 for a succeeded run', () => {
    expect(exitCodeFor(view({ status: 'succeeded' }))).toBe(0);
  });
  it('is 2 for a failed or cancelled run that rolled back or had nothing to roll back', () => {
    expect(exitCodeFor(view({ status: 'failed', rollback: 'completed' }))).toBe(2);
    expect(exitCodeFor(view({ status: 'cancelled', rollback: 'none' }))).toBe(2);
  });
  it('is 3 when the rollback is incomplete', () => {
    expect(exitCodeFor(view({ status: 'failed', rollback: 'incomplete' }))).toBe(3);
  });
  it('is 4 for a paused run, which a wait counts as settled though it is not final', () => {
    expect(exitCodeFor(view({ status: 'paused' }))).toBe(4);
    expect(isSettled(view({ status: 'paused' }))).toBe(true);
    expect(isFinished(view({ status: 'paused' }))).toBe(false);
  });
});

describe('isFinished', () => {
  it('waits while the run or its rollback is in progress', () => {
    expect(isFinished(view({ status: 'running' }))).toBe(false);
    expect(isFinished(view({ status: 'compensating', rollback: 'running' }))).toBe(false);
    expect(isFinished(view({ status: 'failed', rollback: 'running' }))).toBe(false);
    expect(isFinished(view({ status: 'failed', rollback: 'completed' }))).toBe(true);
  });
});
