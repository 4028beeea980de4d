import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { problemResult, readJsonBody } from '../api/body-limits.ts';
import { type ApiHandler, isStateDirError } from '../api/handler.ts';
import { errorResult, json } from '../api/http.ts';
import { UserInputError, WeftError } from '../errors.ts';
import type { TriggerHandler } from '../triggers/trigger-handler.ts';
import { requestUrl, toHttpApiEvent } from './http-event.ts';
import { guardLocalRequest } from './request-guard.ts';

/** API Gateway HTTP APIs refuse payloads over 10 MB before the function sees them; so does `weft dev`. */
const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

export interface DevServerOptions {
  /** @default 8787; 0 picks a free port */
  readonly port?: number;
  readonly api: ApiHandler;
  readonly trigger: TriggerHandler;
}

export interface DevServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The local API: every request becomes an HTTP API v2 event for the same handler the Lambda runs, and
 * `POST /events` takes an EventBridge-shaped event (or a list of them) and fires the matching triggers, as
 * the app's rules would. Listens on 127.0.0.1 only.
 *
 * @example
 * const server = await startDevServer({ port: 8787, api, trigger });
 * // curl localhost:8787/workflows/loan_approval/runs -H 'content-type: application/json' -d '{"input":{}}'
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  let port = 0;
  const server = createServer((req, res) => {
    handle(options, port, req, res).catch((error: unknown) => {
      send(
        res,
        errorResult(
          500,
          'internal',
          `weft dev failed: ${error instanceof Error ? error.message : String(error)}`,
        ),
      );
    });
  });
  const wanted = options.port ?? 8787;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new UserInputError(
              'usage',
              `port ${wanted} on 127.0.0.1 is in use: pass another --port (0 picks a free one)`,
            )
          : error,
      );
    });
    server.listen(wanted, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function handle(
  options: DevServerOptions,
  port: number,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  const hasBody =
    Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  const refusal = guardLocalRequest({ method, headers: req.headers, hasBody }, port);
  if (refusal) {
    req.resume();
    send(res, errorResult(refusal.status, refusal.code, refusal.message));
    return;
  }
  const body = await readBody(req);
  if (body === undefined) {
    send(res, errorResult(413, 'request.tooLarge', `request body over ${MAX_REQUEST_BYTES} bytes`));
    return;
  }
  const url = requestUrl(req.url ?? '/');
  if (url === undefined) {
    send(res, errorResult(400, 'request.invalid', 'the request target must be a path such as /workflows'));
    return;
  }
  const path = url.pathname.replace(/\/+$/, '');
  if (path === '/events') {
    send(
      res,
      method === 'POST'
        ? await fireEvents(options.trigger, body)
        : errorResult(405, 'route.methodNotAllowed', 'use POST /events', { headers: { allow: 'POST' } }),
    );
    return;
  }
  const event = toHttpApiEvent({
    method,
    url: req.url ?? '/',
    headers: req.headers,
    body,
    sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
  });
  send(res, await options.api(event));
}

/**
 * Fires the triggers for each event (an EventBridge event, or a scheduled rule's delivery), filling what
 * EventBridge would (id, time).
 */
async function fireEvents(trigger: TriggerHandler, body: Buffer) {
  const read = readJsonBody(body);
  if (!read.ok) return problemResult(read.problem);
  const parsed = read.value;
  const events = Array.isArray(parsed) ? parsed : [parsed];
  if (events.length === 0 || events.some((e) => typeof e !== 'object' || e === null || Array.isArray(e))) {
    return errorResult(400, 'request.invalid', 'send an EventBridge event object, or a list of them');
  }
  const results = [];
  for (const event of events as Record<string, unknown>[]) {
    // `{ weft: { workflow, schedule }, event }` is what a scheduled rule delivers: it fires that workflow.
    const wrapped = typeof event.weft === 'object' && event.weft !== null;
    const inner = wrapped
      ? withEnvelope({
          source: 'aws.events',
          'detail-type': 'Scheduled Event',
          detail: {},
          ...(isRecord(event.event) ? event.event : {}),
        })
      : withEnvelope(event);
    const payload = wrapped ? { weft: event.weft, event: inner } : inner;
    try {
      results.push({ id: inner.id, runs: await trigger(payload) });
    } catch (error) {
      if (error instanceof WeftError && error.code === 'run.conflict')
        return errorResult(409, error.code, error.message);
      if (error instanceof UserInputError)
        return errorResult(isStateDirError(error) ? 503 : 400, error.code, error.message);
      throw error;
    }
  }
  return json(200, { events: results });
}

/** Fills what EventBridge's PutEvents adds to an event: an id, the time, the account and region. */
function withEnvelope(event: Record<string, unknown>): Record<string, unknown> & { id: unknown } {
  return {
    id: randomUUID(),
    time: new Date().toISOString(),
    account: 'offline',
    region: 'local',
    resources: [],
    ...event,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_REQUEST_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function send(
  res: ServerResponse,
  result: { statusCode: number; headers: Record<string, string>; body: string },
): void {
  if (res.headersSent) return;
  res.writeHead(result.statusCode, result.headers).end(result.body);
}
