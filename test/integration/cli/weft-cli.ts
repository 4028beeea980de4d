import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The repository root: commands run from there, as a user of the repository would run them. */
export const ROOT = resolve(import.meta.dirname, '../../..');
export const FIXTURES = 'test/fixtures/cli';
export const HANDLERS = `${FIXTURES}/handlers.ts`;

/** What a finished `weft` process printed and how it exited. */
export interface WeftOutcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A `weft` process still running, with its output so far. */
export interface WeftProcess {
  readonly child: ChildProcess;
  readonly stderr: () => string;
  readonly done: Promise<WeftOutcome>;
}

/** The backends the crash/resume and cancel tests run on, each by `WEFT_BACKEND`. */
export const LOCAL_BACKENDS = ['sqlite', 'emulators'] as const;

let backend: string | undefined;

/** Makes every `weft` started from now on use this backend (`WEFT_BACKEND`); undefined: the default. */
export function useBackend(name: string | undefined): void {
  backend = name;
}

/** Starts `node bin/weft.js <args>` from the repository root. */
export function spawnWeft(args: readonly string[], env: Readonly<Record<string, string>> = {}): WeftProcess {
  const child = spawn(process.execPath, ['bin/weft.js', ...args], {
    cwd: ROOT,
    env: {
      ...process.env,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...(backend === undefined ? {} : { WEFT_BACKEND: backend }),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const done = new Promise<WeftOutcome>((resolvePromise) => {
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
  return { child, stderr: () => stderr, done };
}

/** `weft run <fixture> --handlers <the test handlers> --input <input> <rest>`, as arguments. */
export function runArgs(fixture: string, input: string, ...rest: readonly string[]): string[] {
  return ['run', `${FIXTURES}/${fixture}`, '--handlers', HANDLERS, '--input', input, ...rest];
}

/** Runs `weft <args>` to completion. */
export function weft(
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<WeftOutcome> {
  return spawnWeft(args, env).done;
}

/** A fresh directory for one test: state dir, handler log, gate files. */
export async function workspace(): Promise<{ dir: string; stateDir: string; log: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'weft-cli-'));
  return { dir, stateDir: join(dir, 'state'), log: join(dir, 'calls.log') };
}

/** The lines the handlers appended, without the run id. */
export async function calls(log: string): Promise<string[]> {
  if (!existsSync(log)) return [];
  const text = await readFile(log, 'utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => (line.startsWith('undo ') ? line : line.split(' ').slice(1).join(' ')));
}

/** Resolves once `check` holds, polling; rejects after `ms`. */
export async function eventually(check: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 25));
  }
}
