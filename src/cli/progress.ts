import { printable } from '../printable.ts';
import type { RunView, TaskStatus, TaskView } from '../runtime/types.ts';
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
 * The lines that describe what changed between two snapshots of a run, for a log that is not a terminal:
 * one line per task state change and per finished compensation.
 */
export function describeChanges(previous: RunView | undefined, next: RunView): string[] {
  const lines: string[] = [];
  for (const [id, task] of Object.entries(next.tasks)) {
    const before = previous?.tasks[id];
    if (before?.status === task.status && before.attempts === task.attempts) continue;
    if (before === undefined && task.status === 'pending') continue;
    lines.push(`${id}: ${describeTask(task)}`);
  }
  for (const compensation of next.compensations.slice(previous?.compensations.length ?? 0)) {
    const attempts = compensation.attempts === 1 ? '' : ` after ${compensation.attempts} attempts`;
    const why = compensation.error ? `: ${compensation.error.name}: ${compensation.error.message}` : '';
    lines.push(
      `${compensation.task}: compensation ${compensation.handler} ${compensation.status}${attempts}${why}`,
    );
  }
  if (previous?.status !== next.status) lines.push(`run ${next.runId}: ${next.status}`);
  return lines;
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

/** Shows a run's progress on stderr: a redrawn board on a terminal, plain lines otherwise. */
export class ProgressView {
  private previous: RunView | undefined;
  private drawnLines = 0;
  private readonly startedAt = Date.now();

  /** @param columns terminal width: longer lines are cut so that redrawing in place stays exact. */
  constructor(
    private readonly io: CliIo,
    private readonly columns: number = process.stderr.columns ?? 80,
  ) {}

  /** Shows the latest snapshot of the run. */
  update(view: RunView): void {
    if (this.io.errIsTty) {
      const lines = renderBoard(view, Date.now() - this.startedAt).map((line) =>
        fitToWidth(printable(line), this.columns),
      );
      const up = this.drawnLines > 0 ? `\x1b[${this.drawnLines}F` : '';
      this.io.err(`${up}${lines.map((line) => `\x1b[2K${line}\n`).join('')}`);
      this.drawnLines = lines.length;
    } else {
      for (const line of describeChanges(this.previous, view)) this.io.err(`weft: ${printable(line)}\n`);
    }
    this.previous = view;
  }
}
