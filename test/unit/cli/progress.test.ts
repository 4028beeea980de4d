import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../../src/cli/io.ts';
import { describeEvent, ProgressView, renderBoard } from '../../../src/cli/progress.ts';
import type { HistoryEvent, RunView } from '../../../src/runtime/types.ts';

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

const events: HistoryEvent[] = [
  { lamport: 1, at: 't', type: 'run.submitted', detail: { workflow: 'loan', planVersion: 'v' } },
  { lamport: 2, at: 't', type: 'task.claimed', taskId: 'a', attempt: 1, detail: { owner: 'me' } },
  {
    lamport: 3,
    at: 't',
    type: 'task.failed',
    taskId: 'a',
    attempt: 1,
    detail: { name: 'Fraud', message: 'flagged' },
  },
  { lamport: 4, at: 't', type: 'compensation.succeeded', taskId: 'b', attempt: 1 },
  { lamport: 5, at: 't', type: 'run.failed', detail: { rollback: 'completed' } },
];

describe('describeEvent', () => {
  it('names the task or the run, what happened, the attempt, the details and the error', () => {
    expect(events.map((event) => describeEvent(event, 'r1'))).toEqual([
      'run r1: submitted (workflow loan, planVersion v)',
      'a: claimed (attempt 1, owner me)',
      'a: failed (attempt 1): Fraud: flagged',
      'b: compensation succeeded (attempt 1)',
      'run r1: failed (rollback completed)',
    ]);
  });

  it('shows details that are not text as JSON', () => {
    const skipped: HistoryEvent = {
      lamport: 6,
      at: 't',
      type: 'task.skipped',
      taskId: 'c',
      detail: { reason: 'dependencies', skipped: ['a', 'b'] },
    };
    expect(describeEvent(skipped, 'r1')).toBe('c: skipped (reason dependencies, skipped ["a","b"])');
  });
});

describe('ProgressView', () => {
  it('prints one line per history event when stderr is not a terminal, each once', async () => {
    const io = capture(false);
    let history = events.slice(0, 2);
    const progress = new ProgressView(io, { history: async () => history });
    await progress.update(base);
    history = events;
    await progress.update(base);
    await progress.update(base);
    expect(io.text().split('\n')).toEqual([
      'weft: run r1: submitted (workflow loan, planVersion v)',
      'weft: a: claimed (attempt 1, owner me)',
      'weft: a: failed (attempt 1): Fraud: flagged',
      'weft: b: compensation succeeded (attempt 1)',
      'weft: run r1: failed (rollback completed)',
      '',
    ]);
  });

  it('prints every event, none sampled, however many land between two snapshots', async () => {
    const io = capture(false);
    const many = Array.from(
      { length: 500 },
      (_, i): HistoryEvent => ({
        lamport: i + 1,
        at: 't',
        type: 'task.succeeded',
        taskId: `t${i}`,
        attempt: 1,
      }),
    );
    await new ProgressView(io, { history: async () => many }).update(base);
    const lines = io.text().trimEnd().split('\n');
    expect(lines).toHaveLength(500);
    expect(lines[499]).toBe('weft: t499: succeeded (attempt 1)');
  });

  it('prints an event that lands out of Lamport order after a later one was printed', async () => {
    const io = capture(false);
    let history = [events[0], events[2]] as HistoryEvent[];
    const progress = new ProgressView(io, { history: async () => history });
    await progress.update(base);
    history = events.slice(0, 3);
    await progress.update(base);
    expect(io.text()).toContain('weft: a: claimed (attempt 1, owner me)\n');
    expect(io.text().split('\n')).toHaveLength(4);
  });

  it('prints lines in full, however long, on a pipe and on a terminal of unknown width', async () => {
    const message = 'x'.repeat(500);
    const failing: HistoryEvent[] = [
      { lamport: 1, at: 't', type: 'task.failed', taskId: 'a', attempt: 1, detail: { name: 'E', message } },
    ];
    for (const io of [capture(false), capture(true)]) {
      await new ProgressView(io, { history: async () => failing, columns: undefined }).update(base);
      expect(io.text()).toBe(`weft: a: failed (attempt 1): E: ${message}\n`);
    }
  });

  it('prints the command that completes a waiting callback task, once per token', async () => {
    const io = capture(false);
    const waiting: RunView = {
      ...base,
      tasks: { a: { status: 'waiting', attempts: 1, callback: { token: 'wcb1.tok' } } },
    };
    const progress = new ProgressView(io, { history: async () => [] });
    await progress.update(waiting);
    await progress.update(waiting);
    expect(io.text()).toBe("weft: a: waiting for its callback: weft callback wcb1.tok --output '<json>'\n");
  });

  it('redraws the board in place on a terminal of known width, cutting lines to it', async () => {
    const io = capture(true);
    const progress = new ProgressView(io, { columns: 24 });
    await progress.update(base);
    await progress.update({ ...base, tasks: { ...base.tasks, a: { status: 'succeeded', attempts: 1 } } });
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

  it('in plain lines: a handler error message cannot fake a line or move the cursor', async () => {
    const io = capture(false);
    const failedEvent: HistoryEvent = {
      lamport: 2,
      at: 't',
      type: 'task.failed',
      taskId: 'a',
      attempt: 1,
      detail: { name: 'Bad\u0007', message: 'line\nfake\u001b[1A' },
    };
    await new ProgressView(io, { history: async () => [failedEvent] }).update(base);
    expect(io.text().split('\n')[0]).toBe('weft: a: failed (attempt 1): Bad\\x07: line\\nfake\\x1b[1A');
  });

  it('on the live board, keeping only its own cursor moves', async () => {
    const io = capture(true);
    await new ProgressView(io, { columns: 200 }).update(
      failed({ name: 'E', message: '\u001b]0;title\u0007' }),
    );
    const own = io.text().replaceAll('\u001b[2K', '');
    expect(own).not.toMatch(control);
    expect(own).toContain('E: \\x1b]0;title\\x07');
  });
});
