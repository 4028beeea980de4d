/**
 * The HTTP API handler over the real runtime on the embedded SQLite backend, in this process: a fresh
 * state dir, the worker running, no emulators. For API tests that need runs to actually run.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ApiEvent, type ApiHandler, createApiHandler } from '../../src/api/index.ts';
import type { LocalBackend } from '../../src/local/backend.ts';
import { openBackend } from '../../src/local/open-backend.ts';
import type { HandlerRegistry } from '../../src/runtime/types.ts';
import type { Plan } from '../../src/workflow/plan.ts';

export interface LocalApi {
  /** The API as `weft dev` builds it: woken by the backend's run writes. */
  readonly api: ApiHandler;
  /** The API as the Lambda function builds it: no notifications, it polls the store. */
  readonly polling: ApiHandler;
  readonly backend: LocalBackend;
  close(): Promise<void>;
}

export async function openLocalApi(plans: readonly Plan[], handlers: HandlerRegistry): Promise<LocalApi> {
  const stateDir = join(await mkdtemp(join(tmpdir(), 'weft-local-api-')), 'state');
  const backend = await openBackend({ stateDir, plans, handlers, worker: true });
  const deps = { runtime: backend.runtime, plans: backend.plans };
  return {
    api: createApiHandler({ ...deps, changed: (runId, ms) => backend.changed(runId, ms) }),
    polling: createApiHandler(deps),
    backend,
    close: () => backend.close(),
  };
}

/** An HTTP API v2 event, as API Gateway (or `weft dev`) gives it. */
export function apiRequest(
  method: string,
  rawPath: string,
  options: { body?: unknown; query?: Record<string, string> } = {},
): ApiEvent {
  return {
    rawPath,
    headers: { 'content-type': 'application/json' },
    ...(options.query === undefined ? {} : { queryStringParameters: options.query }),
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    requestContext: { http: { method }, requestId: 'req' },
  };
}
