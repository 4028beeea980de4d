import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
/** This file's extension: `.ts` run from this repository's sources, `.js` built into the package's dist/. */
const EXTENSION = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

/** weft's four Lambda functions, one entry file each. */
export type FunctionName = 'api' | 'worker' | 'reaper' | 'trigger';

/**
 * The entry file of one of weft's functions, for esbuild to bundle: `functions/<name>.ts` in this
 * repository, `dist/functions/<name>.js` in the installed package (dist/ mirrors the source tree).
 */
export function functionEntry(name: FunctionName): string {
  return join(HERE, '..', '..', 'functions', `${name}${EXTENSION}`);
}

/**
 * Where esbuild bundles from and the lock file it reads: this repository's root when the construct runs from
 * its sources; installed, undefined, so that `NodejsFunction` looks for the user's lock file from the
 * current directory up, as it does for functions of the user's own.
 */
export function defaultProjectRoot(): { projectRoot: string; depsLockFilePath: string } | undefined {
  if (EXTENSION !== '.ts') return undefined;
  const root = resolve(HERE, '..', '..');
  const lockFile = join(root, 'package-lock.json');
  return existsSync(lockFile) ? { projectRoot: root, depsLockFilePath: lockFile } : undefined;
}

/**
 * The host a worker thread runs for `isolation: thread` tasks, for esbuild to bundle beside the worker:
 * src/runtime/isolation/task-host.ts here, its built twin in the installed package.
 */
export function taskHostEntry(): string {
  return join(HERE, '..', '..', 'src', 'runtime', 'isolation', `task-host${EXTENSION}`);
}
