import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../../..', import.meta.url).pathname;

/** A `weft dev` process on a free port, over the API fixtures' workflows and handlers. */
export interface DevProcess {
  readonly url: string;
  /** What the process wrote on stderr so far. */
  stderr(): string;
  stop(): Promise<number | null>;
}

/** Starts `bin/weft.js dev --port 0` and resolves once it prints its URL. */
export async function startWeftDev(): Promise<DevProcess> {
  const stateDir = mkdtempSync(join(tmpdir(), 'weft-dev-'));
  const child: ChildProcess = spawn(
    process.execPath,
    [
      'bin/weft.js',
      'dev',
      '--port',
      '0',
      '--workflows',
      'test/fixtures/api/workflows',
      '--handlers',
      'test/fixtures/api/handlers.ts',
      '--state-dir',
      stateDir,
    ],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    },
  );
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      const match = /weft dev: (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`weft dev exited with ${code}: ${stderr}`)));
  });
  return {
    url,
    stderr: () => stderr,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) {
          resolve(child.exitCode);
          return;
        }
        child.once('exit', (code) => resolve(code));
        child.kill('SIGTERM');
      }),
  };
}

/** A JSON request to the dev server. */
export async function call(
  url: string,
  method: string,
  path: string,
  body?: string | object,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Polls `GET /workflows/{name}/runs/{id}` until the run is final (its rollback included). */
export async function waitForRun(
  url: string,
  workflow: string,
  runId: string,
): Promise<Record<string, unknown>> {
  const path = `/workflows/${workflow}/runs/${runId}`;
  for (;;) {
    const { status, body } = await call(url, 'GET', path);
    if (status !== 200) throw new Error(`GET ${path} answered ${status}: ${JSON.stringify(body)}`);
    if (['succeeded', 'failed', 'cancelled'].includes(String(body.status)) && body.rollback !== 'running')
      return body;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
