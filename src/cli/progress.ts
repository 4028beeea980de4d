import { printable } from '../printable.ts';
import type { HistoryEvent, RunView, TaskStatus, TaskView } from '../runtime/types.ts';
import type { CliIo } from './io.ts';

const MARKS: Readonly<Record<TaskStatus, string>> = {
  pending: '·',
  ready: '○',
  sleeping: '◷',
  running: '▶',
  waiting: '⧗',
  succeeded: '✔',
  failed: '✘',
  skipped: '-',
  compensated: '↺',
  compensation_failed: '!',
  cancelled: '⊘',
};

/**
 * One history event as a progress line, in full: the task (or the run), what happened, the attempt and the
 * event's details, and an error's name and message.
 *
 * @example
 * describeEvent({ lamport: 3, at: '…', type: 'task.failed', taskId: 'charge', attempt: 1,
 *   detail: { name: 'CardDeclined', message: 'no funds' } }, 'r1');
 * // 'charge: failed (attempt 1): CardDeclined: no funds'
 */
export function describeEvent(event: HistoryEvent, runId: string): string {
  const subject = event.taskId ?? `run ${runId}`;
  const [kind, ...rest] = event.type.split('.');
  // a task's own events and the run's read as their verb; a compensation's keep their kind
  const what = kind === 'task' || kind === 'run' ? rest.join('.') : event.type.replace('.', ' ');
  const { name, message, ...others } = event.detail ?? {};
  const facts = [
    ...(event.attempt === undefined ? [] : [`attempt ${event.attempt}`]),
    ...Object.entries(others).map(
      ([key, value]) => `${key} ${typeof value === 'string' ? value : JSON.stringify(value)}`,
    ),
  ];
  const why = typeof name === 'string' ? `: ${name}${typeof message === 'string' ? `: ${message}` : ''}` : '';
  return `${subject}: ${what}${facts.length > 0 ? ` (${facts.join(', ')})` : ''}${why}`;
}

/** The line that tells how to complete a task waiting for its callback (its token is in no event). */
function callbackLine(id: string, task: TaskView): string {
  return `${id}: ${describeTask(task)}`;
}

/** The live view on a terminal: a header, then one line per task. */
export function renderBoard(view: RunView, elapsedMs: number): string[] {
  const rollback = view.rollback === 'none' ? '' : `, rollback ${view.rollback}`;
  const header = `weft ${view.workflow} ${view.runId}: ${view.status}${rollback} (${(elapsedMs / 1000).toFixed(1)}s)`;
  const width = Math.max(0, ...Object.keys(view.tasks).map((id) => id.length));
  const rows = Object.entries(view.tasks).map(
    ([id, task]) => `  ${MARKS[task.status]} ${id.padEnd(width)}  ${describeTask(task)}`,
  );
  return [header, ...rows];
}

function fitToWidth(line: string, columns: number): string {
  const width = Math.max(20, columns - 1);
  return line.length <= width ? line : `${line.slice(0, width - 1)}…`;
}

function describeTask(task: TaskView): string {
  if (task.status === 'sleeping') return `sleeping until ${task.wakeAt ?? '?'}`;
  if (task.status === 'waiting') {
    const until = task.callback?.timeoutAt === undefined ? '' : ` until ${task.callback.timeoutAt}`;
    return `waiting for its callback${until}: weft callback ${task.callback?.token ?? '?'} --output '<json>'`;
  }
  if (task.skip?.reason === 'condition') return `skipped (when: ${task.skip.when} is false)`;
  if (task.skip?.reason === 'dependencies')
    return `skipped (every dependency skipped: ${task.skip.skipped.join(', ')})`;
  if (task.status === 'ready' && task.error !== undefined) {
    return `retrying after attempt ${task.attempts} failed: ${task.error.name}: ${task.error.message}`;
  }
  const attempt = task.attempts > 1 || task.status === 'running' ? ` (attempt ${task.attempts})` : '';
  const error = task.error === undefined ? '' : `: ${task.error.name}: ${task.error.message}`;
  return `${task.status.replace('_', ' ')}${attempt}${error}`;
}

/** Where the progress view reads a run's history from, and how wide the terminal is. */
export interface ProgressOptions {
  /** The run's history so far (plain lines are one per event); none: no event lines. */
  readonly history?: () => Promise<readonly HistoryEvent[] | undefined>;
  /** The terminal's width; unknown (undefined): plain lines even on a terminal, never cut. */
  readonly columns?: number | undefined;
}

/**
 * Shows a run's progress on stderr: a board redrawn in place on a terminal of known width, otherwise (a
 * pipe, CI, a terminal that does not say its width) one full line per history event, none skipped or cut,
 * and the command that completes each callback task waiting for one.
 */
export class ProgressView {
  private drawnLines = 0;
  private readonly startedAt = Date.now();
  /** The events printed so far, by identity: concurrent writes may land out of Lamport order. */
  private readonly printed = new Set<string>();
  private readonly announcedTokens = new Set<string>();
  private readonly columns: number | undefined;

  constructor(
    private readonly io: CliIo,
    private readonly options: ProgressOptions = {},
  ) {
    this.columns = 'columns' in options ? options.columns : process.stderr.columns;
  }

  /** Shows the latest snapshot of the run. */
  async update(view: RunView): Promise<void> {
    if (this.io.errIsTty && this.columns !== undefined && this.columns > 0) {
      this.draw(view, this.columns);
      return;
    }
    for (const event of (await this.options.history?.()) ?? []) {
      const key = `${event.lamport}/${event.taskId ?? ''}/${event.type}/${event.attempt ?? ''}`;
      if (this.printed.has(key)) continue;
      this.printed.add(key);
      this.line(describeEvent(event, view.runId));
    }
    for (const [id, task] of Object.entries(view.tasks)) {
      const token = task.callback?.token;
      if (task.status !== 'waiting' || token === undefined || this.announcedTokens.has(token)) continue;
      this.announcedTokens.add(token);
      this.line(callbackLine(id, task));
    }
  }

  private line(text: string): void {
    this.io.err(`weft: ${printable(text)}\n`);
  }

  /** Redrawing in place is exact only if no line wraps: each is cut to the terminal's width. */
  private draw(view: RunView, columns: number): void {
    const lines = renderBoard(view, Date.now() - this.startedAt).map((line) =>
      fitToWidth(printable(line), columns),
    );
    const up = this.drawnLines > 0 ? `\x1b[${this.drawnLines}F` : '';
    this.io.err(`${up}${lines.map((line) => `\x1b[2K${line}\n`).join('')}`);
    this.drawnLines = lines.length;
  }
}
