import { UserInputError } from '../errors.ts';
import { printable } from '../printable.ts';

/** One mistake in a workflow file, at a 1-based line and column. */
export interface Diagnostic {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly message: string;
  /** Stable kind of mistake (`workflow.cycle`, `workflow.unknownDependency`, ...), for tools and tests. */
  readonly code?: string;
}

/**
 * The one-line form users read: `path:line:col: message`. Control characters in the path or the message
 * (values copied from the file) are escaped, so the line prints as one line and does nothing to a terminal.
 *
 * @example
 * formatDiagnostic({ file: 'a.yaml', line: 3, col: 7, message: 'duplicate task id' }); // 'a.yaml:3:7: duplicate task id'
 */
export function formatDiagnostic(d: Diagnostic): string {
  return `${printable(d.file)}:${d.line}:${d.col}: ${printable(d.message)}`;
}

/** Orders diagnostics by file, then position; the sort is stable, so equal positions keep their order. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.line - b.line || a.col - b.col,
  );
}

/**
 * An invalid workflow: every mistake found, each with its position. The message is the formatted lines,
 * one per diagnostic, so the command line can print it as is.
 *
 * @example
 * try { loadPlan(text, 'flow.yaml'); } catch (e) { if (e instanceof WorkflowError) console.error(e.message); }
 */
export class WorkflowError extends UserInputError {
  override name = 'WorkflowError';

  constructor(
    readonly diagnostics: readonly Diagnostic[],
    options?: { cause?: unknown },
  ) {
    super('workflow.invalid', diagnostics.map(formatDiagnostic).join('\n'), options);
  }
}
