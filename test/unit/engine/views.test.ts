import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../../src/engine/types.ts';
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

describe('runView of a child workflow task', () => {
  const parent = loadPlan(
    'workflow:\n  name: p\n  tasks:\n    - id: kyc\n      workflow: kyc_check\n',
    'p.yaml',
  );
  const at = '2026-01-01T00:00:00.000Z';

  it('links the child from the wait, or from its answer when that came before the wait was written', () => {
    const waited = task('kyc', {
      status: 'waiting',
      attempt: 1,
      events: [
        { type: 'task.waiting', lamport: 3, at, detail: { childRunId: 'r~kyc~1', workflow: 'kyc_check' } },
      ],
    });
    expect(runView(parent, run(), byId(waited)).tasks.kyc?.child).toEqual({
      runId: 'r~kyc~1',
      workflow: 'kyc_check',
    });
    // a taken-over attempt whose child ended between its open and its wait: only the answer names it
    const answered = task('kyc', {
      status: 'succeeded',
      attempt: 2,
      output: '1',
      events: [
        { type: 'task.succeeded', lamport: 6, at, detail: { via: 'callback', childRunId: 'r~kyc~1' } },
      ],
    });
    expect(runView(parent, run(), byId(answered)).tasks.kyc?.child).toEqual({
      runId: 'r~kyc~1',
      workflow: 'kyc_check',
    });
  });

  it('shows the locks of the last attempt and the run-wide lock waits', () => {
    const locked = loadPlan('workflow:\n  name: l\n  tasks:\n    - id: t\n      locks: ["a"]\n', 'l.yaml');
    const claimed = (n: number, waitedMs: number): StoredEvent[] => [
      { type: 'task.lockAcquired', lamport: n, at, detail: { key: 'a', waitedMs } },
      { type: 'task.claimed', lamport: n, at, detail: { owner: 'w' } },
    ];
    const view = runView(
      locked,
      run(),
      byId(task('t', { status: 'running', attempt: 2, events: [...claimed(2, 40), ...claimed(5, 0)] })),
    );
    expect(view.tasks.t?.locks).toEqual([{ key: 'a', waitedMs: 0 }]);
    expect(view.locks).toEqual({ acquired: 2, waitP99Ms: 40, waitMaxMs: 40 });
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
