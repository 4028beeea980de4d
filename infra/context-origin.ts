import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSource } from '../src/workflow/source.ts';

/** `path:line:col: ` of a context key (or its value) in `cdk.json`, or `''`; see `contextOrigin`. */
export type ContextOrigin = (key: string, value?: unknown) => string;

/**
 * Points a context problem at the project's `cdk.json` when the key is written there: `(key, value?)`
 * gives the `path:line:col: ` prefix of the key (or of its value when `value` is given and the file holds
 * that value), or `''` when the key came from elsewhere (`-c key=value`, which overrides the file, or
 * `~/.cdk.json`). An unreadable or invalid `cdk.json` points nowhere.
 *
 * @example
 * const origin = contextOrigin(process.cwd());
 * `${origin('weft:workerTimout')}unknown context key 'weft:workerTimout'`; // '/app/cdk.json:6:5: unknown ...'
 */
export function contextOrigin(dir: string): ContextOrigin {
  const file = join(dir, 'cdk.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return () => '';
  }
  const parsed = parseSource(text, file);
  if (!parsed.ok) return () => '';
  const { source } = parsed;
  const context = (source.value as { context?: unknown } | null)?.context;
  if (typeof context !== 'object' || context === null) return () => '';
  return (key, value) => {
    if (!Object.hasOwn(context, key)) return '';
    const written: unknown = (context as Record<string, unknown>)[key];
    if (value !== undefined && String(written) !== String(value)) return '';
    const { line, col } = source.locate(['context', key], value === undefined ? 'key' : 'value');
    return `${file}:${line}:${col}: `;
  };
}
