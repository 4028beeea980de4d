import type { z } from 'zod';
import type { Diagnostic } from './diagnostic.ts';
import {
  CALLBACK_KEYS,
  CONCURRENCY_KEYS,
  ID_PATTERN,
  MAP_KEYS,
  RETRY_KEYS,
  ROOT_KEYS,
  TASK_KEYS,
  TRIGGER_KEYS,
  WORKFLOW_KEYS,
} from './schema.ts';
import type { ParsedSource, PathSegment } from './source.ts';
import { didYouMean } from './suggest.ts';

type Issue = z.core.$ZodIssue;

/**
 * Turns the schema's issues into diagnostics users can act on: the field, what it must be, the value
 * found, and for unknown fields the nearest known one.
 */
export function schemaDiagnostics(
  issues: readonly Issue[],
  source: ParsedSource,
  file: string,
): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((segment): segment is PathSegment => typeof segment !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        diagnostics.push({
          file,
          ...source.locate([...path, key], 'key'),
          message: `unknown field '${key}' in ${describe(path, source.value)}${unknownKeyHint(path, key)}`,
          code: 'workflow.unknownField',
        });
      }
      continue;
    }
    const value = valueAt(source.value, path);
    const missing = value === undefined && path.length > 0;
    const message = missing
      ? `${describe(path.slice(0, -1), source.value)} is missing '${String(path[path.length - 1])}'`
      : path.length === 0 && (value === null || value === undefined)
        ? 'the file is empty: it must hold `workflow:` with a name and tasks'
        : `${describe(path, source.value)} must be ${issue.message}, got ${show(value)}${unitHint(issue, value)}`;
    diagnostics.push({
      file,
      ...source.locate(path),
      message,
      code: missing ? 'workflow.missingField' : 'workflow.invalidValue',
    });
  }
  return diagnostics;
}

/** The value at `path`, or undefined when the path does not exist. */
export function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let node = root;
  for (const segment of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<PathSegment, unknown>)[segment];
  }
  return node;
}

/** Names a place in the file the way users think of it: `task 'fetch' retry_policy.backoff`. */
function describe(path: readonly PathSegment[], root: unknown): string {
  if (path.length === 0) return 'the file';
  let prefix = 'workflow';
  let rest = path.slice(1);
  if (rest[0] === 'tasks' && typeof rest[1] === 'number') {
    const id = valueAt(root, ['workflow', 'tasks', rest[1], 'id']);
    prefix = typeof id === 'string' && ID_PATTERN.test(id) ? `task '${id}'` : `workflow.tasks[${rest[1]}]`;
    rest = rest.slice(2);
  }
  let text = prefix;
  for (const [index, segment] of rest.entries()) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += index === 0 && prefix.startsWith('task ') ? ` ${segment}` : `.${segment}`;
  }
  return text;
}

function knownKeys(path: readonly PathSegment[]): readonly string[] {
  const last = path[path.length - 1];
  if (path.length === 0) return ROOT_KEYS;
  if (path.length === 1) return WORKFLOW_KEYS;
  if (last === 'retry_policy') return RETRY_KEYS;
  if (last === 'callback') return CALLBACK_KEYS;
  if (last === 'map') return MAP_KEYS;
  if (last === 'concurrency') return CONCURRENCY_KEYS;
  if (path[1] === 'tasks' && path.length === 3) return TASK_KEYS;
  if (path[1] === 'on' && path.length === 3) return TRIGGER_KEYS;
  return [];
}

function unknownKeyHint(path: readonly PathSegment[], key: string): string {
  if (path.length === 0 && (WORKFLOW_KEYS as readonly string[]).includes(key)) {
    return `; it belongs under 'workflow:'`;
  }
  const keys = knownKeys(path);
  const suggestion = didYouMean(key, keys);
  return suggestion !== '' ? suggestion : keys.length > 0 ? ` (known fields: ${keys.join(', ')})` : '';
}

/** A short rendering of a value found in the file. */
function show(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (typeof value === 'string') return `'${value.length > 40 ? `${value.slice(0, 37)}...` : value}'`;
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

/** A bare number where a duration belongs is most likely missing its unit. */
function unitHint(issue: Issue, value: unknown): string {
  return typeof value === 'number' && issue.message.includes('duration') ? ` (add a unit: '${value}s')` : '';
}
