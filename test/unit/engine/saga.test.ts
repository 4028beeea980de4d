import { describe, expect, it } from 'vitest';
import { decideRollback } from '../../../src/engine/saga.ts';
import { loadPlan } from '../../../src/workflow/index.ts';
import { byId, task } from './records.ts';

const diamond = loadPlan(
  `workflow:
  name: diamond
  tasks:
    - id: top
      compensation: undo
    - id: left
      deps: [top]
      compensation: undo
    - id: right
      deps: [top]
    - id: bottom
      deps: [left, right]
      compensation: undo
`,
  'diamond.yaml',
);

describe('decideRollback', () => {
  it('skips unstarted tasks and flags running ones before anything else', () => {
    const step = decideRollback(
      diamond,
      byId(
        task('top', { status: 'succeeded' }),
        task('left', { status: 'running' }),
        task('right', { status: 'failed' }),
      ),
    );
    expect(step).toEqual({ skip: ['bottom'], flag: ['left'], cancel: [], compensate: [] });
  });

  it('ends a wait for a callback, and compensates what it waited behind once it is cancelled', () => {
    const waiting = decideRollback(
      diamond,
      byId(
        task('top', { status: 'succeeded' }),
        task('left', { status: 'waiting' }),
        task('right', { status: 'failed' }),
      ),
    );
    expect(waiting).toEqual({ skip: ['bottom'], flag: [], cancel: ['left'], compensate: [] });
    const cancelled = decideRollback(
      diamond,
      byId(
        task('top', { status: 'succeeded' }),
        task('left', { status: 'cancelled' }),
        task('right', { status: 'failed' }),
        task('bottom', { status: 'skipped' }),
      ),
    );
    expect(cancelled).toEqual({ skip: [], flag: [], cancel: [], compensate: ['top'] });
  });

  it('never compensates a task before a descendant that ran behind a skipped task', () => {
    // mid was skipped by its condition; bottom ran through other, and top reaches it only through mid
    const behindSkip = loadPlan(
      'workflow:\n  name: behind\n  tasks:\n    - id: top\n      compensation: undo\n    - id: other\n    - id: mid\n      deps: [top]\n    - id: bottom\n      deps: [mid, other]\n      compensation: undo\n',
      'behind.yaml',
    );
    const records = (bottom: 'succeeded' | 'compensated') =>
      byId(
        task('top', { status: 'succeeded' }),
        task('other', { status: 'succeeded' }),
        task('mid', { status: 'skipped' }),
        task('bottom', { status: bottom, ...(bottom === 'succeeded' ? {} : { compensationFinished: 9 }) }),
      );
    expect(decideRollback(behindSkip, records('succeeded')).compensate).toEqual(['bottom']);
    expect(decideRollback(behindSkip, records('compensated')).compensate).toEqual(['top']);
  });

  it('waits for a running dependent before compensating its dependency', () => {
    const step = decideRollback(
      diamond,
      byId(
        task('top', { status: 'succeeded' }),
        task('left', { status: 'running', stopping: true }),
        task('right', { status: 'failed' }),
        task('bottom', { status: 'skipped' }),
      ),
    );
    expect(step).toEqual({ skip: [], flag: [], cancel: [], compensate: [] });
  });

  it('compensates the branches first, then their common dependency', () => {
    const first = decideRollback(
      diamond,
      byId(
        task('top', { status: 'succeeded' }),
        task('left', { status: 'succeeded' }),
        task('right', { status: 'succeeded' }),
        task('bottom', { status: 'failed' }),
      ),
    );
    expect(first.compensate).toEqual(['left']);
    const second = decideRollback(
      diamond,
      byId(
        task('top', { status: 'succeeded' }),
        task('left', { status: 'compensated' }),
        task('right', { status: 'succeeded' }),
        task('bottom', { status: 'failed' }),
      ),
    );
    // right has no compensation: it is rolled back as soon as its dependents are
    expect(second).toEqual({ skip: [], flag: [], cancel: [], compensate: ['top'] });
  });

  it('does not start a compensation twice', () => {
    const step = decideRollback(
      diamond,
      byId(
        task('top', { status: 'succeeded' }),
        task('left', { status: 'succeeded', compensation: { status: 'running', attempt: 1, failures: 0 } }),
        task('right', { status: 'succeeded' }),
        task('bottom', { status: 'failed' }),
      ),
    );
    expect(step.compensate).toEqual([]);
    expect(step.finished).toBeUndefined();
  });

  it('finishes incomplete when a compensation failed, completed otherwise, none without any', () => {
    const settled = (left: 'compensated' | 'compensation_failed') =>
      decideRollback(
        diamond,
        byId(
          task('top', { status: 'compensated' }),
          task('left', { status: left }),
          task('right', { status: 'succeeded' }),
          task('bottom', { status: 'failed' }),
        ),
      ).finished;
    expect(settled('compensated')).toBe('completed');
    expect(settled('compensation_failed')).toBe('incomplete');
    expect(decideRollback(diamond, byId(task('top', { status: 'failed' }))).finished).toBeUndefined();
    const nothing = byId(
      task('top', { status: 'failed' }),
      task('left', { status: 'skipped' }),
      task('right', { status: 'skipped' }),
      task('bottom', { status: 'skipped' }),
    );
    expect(decideRollback(diamond, nothing).finished).toBe('none');
  });
});
