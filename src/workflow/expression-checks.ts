import jsonata from 'jsonata';
import type { Diagnostic } from './diagnostic.ts';
import { expressionProblem, templateExpressions, templateProblem } from './expression.ts';
import type { ParsedSource, PathSegment, Position } from './source.ts';
import { didYouMean } from './suggest.ts';

/**
 * A task's fields that hold an expression (`expression`) or text with `${ }` (`template`); a dotted name is
 * a field of a mapping (`map.items`).
 */
export const EXPRESSION_FIELDS: Readonly<Record<string, 'expression' | 'template'>> = {
  when: 'expression',
  sleep_until: 'template',
  input: 'expression',
  'map.items': 'expression',
  'concurrency.key': 'template',
  locks: 'template',
};

/** Fields evaluated before the task's record is read: over `{ input }` alone. */
const INPUT_ONLY = new Set(['concurrency.key']);

/**
 * Parses every expression of the file and checks what it reads: a syntax error, or `deps.<id>` naming a
 * task that is not a dependency, is reported at the character where it is (`file:line:col`).
 */
export function checkExpressions(source: ParsedSource, text: string, file: string): Diagnostic[] {
  const tasks = (source.value as { workflow?: { tasks?: unknown } } | null)?.workflow?.tasks;
  if (!Array.isArray(tasks)) return [];
  const diagnostics: Diagnostic[] = [];
  tasks.forEach((task: unknown, index) => {
    if (typeof task !== 'object' || task === null) return;
    const record = task as Record<string, unknown>;
    const name = typeof record.id === 'string' ? `task '${record.id}'` : `workflow.tasks[${index}]`;
    const deps = Array.isArray(record.deps) ? record.deps.filter((d) => typeof d === 'string') : [];
    for (const [field, kind] of Object.entries(EXPRESSION_FIELDS)) {
      const keys = field.split('.');
      const found = keys.reduce<unknown>(
        (at, key) =>
          typeof at === 'object' && at !== null ? (at as Record<string, unknown>)[key] : undefined,
        record,
      );
      // a list (`locks`) holds one template per element
      const values: [string, PathSegment[]][] = Array.isArray(found)
        ? found.flatMap((element, i): [string, PathSegment[]][] =>
            typeof element === 'string' ? [[element, [...keys, i]]] : [],
          )
        : typeof found === 'string'
          ? [[found, keys]]
          : [];
      for (const [value, fieldPath] of values) {
        const path: PathSegment[] = ['workflow', 'tasks', index, ...fieldPath];
        const label = fieldPath.join('.').replace(/\.(\d+)/g, '[$1]');
        const at = (offset: number) => ({ file, ...positionIn(source, text, path, value, offset) });
        const problem = kind === 'expression' ? expressionProblem(value) : templateProblem(value);
        if (problem) {
          diagnostics.push({
            ...at(problem.offset),
            message: `${name}: ${label} is not a valid JSONata ${kind}: ${problem.message}`,
            code: 'workflow.invalidExpression',
          });
          continue;
        }
        for (const read of depReads(value, kind)) {
          if (INPUT_ONLY.has(field)) {
            diagnostics.push({
              ...at(read.offset),
              message: `${name}: ${label} reads deps.${read.id}, but a concurrency slot is taken before the task starts: use input only`,
              code: 'workflow.unknownDependency',
            });
            continue;
          }
          if (deps.includes(read.id)) continue;
          const listed = deps.length === 0 ? 'it has no deps' : `its deps: ${deps.join(', ')}`;
          const fix = didYouMean(read.id, deps) || `; add '${read.id}' to its deps`;
          diagnostics.push({
            ...at(read.offset),
            message: `${name}: ${label} reads deps.${read.id}, which is not one of its dependencies (${listed})${fix}`,
            code: 'workflow.unknownDependency',
          });
        }
      }
    }
  });
  diagnostics.push(...runKeyProblems(source, text, file));
  return diagnostics;
}

/** The run-level concurrency key: a template over `{ input }` (no task has run when a run takes its slot). */
function runKeyProblems(source: ParsedSource, text: string, file: string): Diagnostic[] {
  const key = (source.value as { workflow?: { concurrency?: { key?: unknown } } } | null)?.workflow
    ?.concurrency?.key;
  if (typeof key !== 'string') return [];
  const path: PathSegment[] = ['workflow', 'concurrency', 'key'];
  const at = (offset: number) => ({ file, ...positionIn(source, text, path, key, offset) });
  const problem = templateProblem(key);
  if (problem) {
    return [
      {
        ...at(problem.offset),
        message: `workflow concurrency.key is not a valid JSONata template: ${problem.message}`,
        code: 'workflow.invalidExpression',
      },
    ];
  }
  return depReads(key, 'template').map((read) => ({
    ...at(read.offset),
    message: `workflow concurrency.key reads deps.${read.id}, but a run's key is taken before any task has run: use input only`,
    code: 'workflow.unknownDependency',
  }));
}

/** Where character `offset` of a scalar's value is: exact for a plain or quoted one-line scalar. */
function positionIn(
  source: ParsedSource,
  text: string,
  path: readonly PathSegment[],
  value: string,
  offset: number,
): Position {
  const start = source.locate(path);
  const line = text.split('\n')[start.line - 1] ?? '';
  const rest = line.slice(start.col - 1);
  if (rest.startsWith(value)) return { line: start.line, col: start.col + offset };
  const quote = rest[0];
  if ((quote === '"' || quote === "'") && rest.slice(1).startsWith(value)) {
    return { line: start.line, col: start.col + 1 + offset };
  }
  return start;
}

/** The `deps.<id>` paths an expression (or a template's expressions) reads, with their offsets. */
function depReads(text: string, kind: 'expression' | 'template'): { id: string; offset: number }[] {
  if (kind === 'expression') return readsOf(text, 0);
  // called once the template parsed: every expression in it parses
  return templateExpressions(text).flatMap((part) => readsOf(part.text, part.offset));
}

interface AstNode {
  readonly type?: string;
  readonly value?: unknown;
  readonly position?: number;
  readonly steps?: readonly AstNode[];
  readonly [key: string]: unknown;
}

/** Skipped while walking: inside a filter or a predicate a path is relative to the item, not the scope. */
const RELATIVE = new Set(['stages', 'predicate', 'group']);

function readsOf(text: string, base: number): { id: string; offset: number }[] {
  const reads: { id: string; offset: number }[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const child of node) visit(child);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const ast = node as AstNode;
    const [first, second] = ast.steps ?? [];
    if (ast.type === 'path' && first?.type === 'name' && first.value === 'deps' && second?.type === 'name') {
      const id = String(second.value);
      reads.push({ id, offset: base + Math.max(0, (second.position ?? id.length) - id.length) });
    }
    for (const [key, child] of Object.entries(ast)) if (!RELATIVE.has(key)) visit(child);
  };
  visit(jsonata(text).ast());
  return reads;
}
