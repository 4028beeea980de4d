import { describe, expect, it } from 'vitest';
import { runHistory, runView } from '../../../src/engine/views.ts';
import { loadPlan } from '../../../src/workflow/index.ts';
import { byId, run, task } from './records.ts';

const plan = loadPlan(
  `workflow:
  name: w
  tasks:
    - id: a
      compensation: undo_a
    - id: b
      compensation: undo_b
    - id: c
      deps: [a, b]
    - id: d
      deps: [c]
`,
  'w.yaml',
);

describe('runView', () => {
  it('shows every task, untouched ones pending and complete pending ones ready', () => {
    const view = runView(
      plan,
      run({ input: '{"x":1}' }),
      byId(
        task('a', { status: 'succeeded', attempt: 1, output: '"A"' }),
        task('b', { status: 'succeeded', attempt: 2, output: '"B"' }),
        task('c', { status: 'pending', depsDone: ['a', 'b'] }),
      ),
    );
    expect(view.input).toEqual({ x: 1 });
    expect(view.tasks).toEqual({
      a: { status: 'succeeded', attempts: 1, output: 'A' },
      b: { status: 'succeeded', attempts: 2, output: 'B' },
      c: { status: 'ready', attempts: 0 },
      d: { status: 'pending', attempts: 0 },
    });
  });

  it('lists compensations in the order they finished', () => {
    const view = runView(
      plan,
      run({ status: 'failed', rollback: 'incomplete' }),
      byId(
        task('a', { status: 'compensated', compensationFinished: 9, compensationAttempts: 1 }),
        task('b', { status: 'compensation_failed', compensationFinished: 7, compensationAttempts: 3 }),
      ),
    );
    expect(view.compensations).toEqual([
      { task: 'b', handler: 'undo_b', status: 'failed', attempts: 3 },
      { task: 'a', handler: 'undo_a', status: 'succeeded', attempts: 1 },
    ]);
  });
});

describe('runHistory', () => {
  it('merges every item’s events by Lamport time, then task id', () => {
    const at = '2026-01-01T00:00:00.000Z';
    const history = runHistory(
      run({ events: [{ type: 'run.submitted', lamport: 1, at }] }),
      byId(
        task('b', { events: [{ type: 'task.claimed', lamport: 2, at }] }),
        task('a', {
          events: [
            { type: 'task.claimed', lamport: 2, at },
            { type: 'task.succeeded', lamport: 3, at },
          ],
        }),
      ),
    );
    expect(history.map((e) => `${e.lamport}:${e.taskId ?? '-'}:${e.type}`)).toEqual([
      '1:-:run.submitted',
      '2:a:task.claimed',
      '2:b:task.claimed',
      '3:a:task.succeeded',
    ]);
  });

  it('numbers each claim with the attempt it started', () => {
    const at = '2026-01-01T00:00:00.000Z';
    const history = runHistory(
      run(),
      byId(
        task('a', {
          events: [
            { type: 'task.claimed', lamport: 2, at },
            { type: 'task.retrying', lamport: 3, at, attempt: 1 },
            { type: 'task.claimed', lamport: 4, at },
          ],
        }),
      ),
    );
    expect(history.filter((e) => e.type === 'task.claimed').map((e) => e.attempt)).toEqual([1, 2]);
  });
});
