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

describe('ProgressView escapes what handlers and files put in its lines', () => {
  const failed = (error: { name: string; message: string }): RunView => ({
    ...base,
    tasks: { a: { status: 'failed', attempts: 1, error } },
  });
  // what a terminal would act on: C0 controls but the newline, DEL, C1 controls, bidirectional overrides
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
  const control = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

  it('in plain lines: a handler error message cannot fake a line or move the cursor', () => {
    const io = capture(false);
    new ProgressView(io).update(failed({ name: 'Bad\u0007', message: 'line\nfake\u001b[1A' }));
    expect(io.text().split('\n')[0]).toBe('weft: a: failed: Bad\\x07: line\\nfake\\x1b[1A');
  });

  it('on the live board, keeping only its own cursor moves', () => {
    const io = capture(true);
    new ProgressView(io, 200).update(failed({ name: 'E', message: '\u001b]0;title\u0007' }));
    const own = io.text().replaceAll('\u001b[2K', '');
    expect(own).not.toMatch(control);
    expect(own).toContain('E: \\x1b]0;title\\x07');
  });
});
