import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../../src/cli/io.ts';
import { describeChanges, ProgressView, renderBoard } from '../../../src/cli/progress.ts';
import type { RunView } from '../../../src/runtime/types.ts';

const base: RunView = {
  runId: 'r1',
  workflow: 'loan',
  planVersion: 'v',
  status: 'running',
  rollback: 'none',
  input: {},
  tasks: { a: { status: 'running', attempts: 1 }, b: { status: 'pending', attempts: 0 } },
  compensations: [],
};

function capture(errIsTty: boolean): CliIo & { text: () => string } {
  const written: string[] = [];
  return {
    out: () => {},
    err: (text) => void written.push(text),
    errIsTty,
    exitCode: 0,
    text: () => written.join(''),
  };
}

describe('describeChanges', () => {
  it('reports task changes, finished compensations and the run status, once each', () => {
    const next: RunView = {
      ...base,
      status: 'failed',
      rollback: 'completed',
      tasks: {
        a: { status: 'compensated', attempts: 1 },
        b: { status: 'failed', attempts: 2, error: { name: 'Fraud', message: 'flagged' } },
      },
      compensations: [{ task: 'a', handler: 'undo_a', status: 'succeeded', attempts: 1 }],
    };
    expect(describeChanges(base, next)).toEqual([
      'a: compensated',
      'b: failed (attempt 2): Fraud: flagged',
      'a: compensation undo_a succeeded',
      'run r1: failed',
    ]);
    expect(describeChanges(next, next)).toEqual([]);
  });

  it('says when a task waits for its retry', () => {
    const retrying: RunView = {
      ...base,
      tasks: {
        ...base.tasks,
        a: { status: 'ready', attempts: 1, error: { name: 'Busy', message: 'try later' } },
      },
    };
    expect(describeChanges(base, retrying)).toEqual(['a: retrying after attempt 1 failed: Busy: try later']);
  });
});

describe('ProgressView', () => {
  it('prints plain lines when stderr is not a terminal', () => {
    const io = capture(false);
    new ProgressView(io).update(base);
    expect(io.text()).toBe('weft: a: running (attempt 1)\nweft: run r1: running\n');
  });

  it('redraws the board in place on a terminal', () => {
    const io = capture(true);
    const progress = new ProgressView(io, 24);
    progress.update(base);
    progress.update({ ...base, tasks: { ...base.tasks, a: { status: 'succeeded', attempts: 1 } } });
    expect(io.text()).toContain('\x1b[3F');
    expect(io.text()).toContain('\x1b[2Kweft loan r1: running …\n');
    expect(renderBoard(base, 1500)).toEqual([
      'weft loan r1: running (1.5s)',
      '  ▶ a  running (attempt 1)',
      '  · b  pending',
    ]);
  });
});
