import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createApiHandler } from '../../../src/api/index.ts';
import { type DevServer, startDevServer } from '../../../src/dev/server.ts';
import { UserInputError } from '../../../src/errors.ts';
import { createTriggerHandler } from '../../../src/triggers/index.ts';
import { catalogOf, chainPlan, FakeRuntime } from '../../support/fake-runtime.ts';

const plans = catalogOf([
  chainPlan('on_order', ['charge'], { triggers: [{ pattern: { source: ['shop'] } }] }),
  chainPlan('nightly', ['sweep'], { schedules: ['rate(1 day)'] }),
]);

let server: DevServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(): Promise<{ url: string; runtime: FakeRuntime }> {
  const runtime = new FakeRuntime(plans);
  const deps = { runtime, plans };
  server = await startDevServer({
    port: 0,
    api: createApiHandler(deps),
    trigger: createTriggerHandler(deps),
  });
  return { url: server.url, runtime };
}

async function post(url: string, body: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** A raw request, so that Host and Origin are exactly what a browser page or a rebinding name would send. */
function raw(
  url: string,
  options: { method: string; headers: Record<string, string>; body?: string; path?: string },
): Promise<{ status: number; body: string }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: Number(port),
        path: options.path ?? '/workflows/on_order/runs',
        method: options.method,
        headers: options.headers,
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => {
          text += chunk.toString('utf8');
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('the local API refuses what a web page could send', () => {
  const submission = JSON.stringify({});

  it('refuses a Host that is not its own loopback address and port (421), starting nothing', async () => {
    const { url, runtime } = await start();
    const answer = await raw(url, {
      method: 'POST',
      headers: { host: 'rebound.evil.example', 'content-type': 'application/json' },
      body: submission,
    });
    expect(answer.status).toBe(421);
    expect(JSON.parse(answer.body).error.code).toBe('request.misdirected');
    expect(runtime.submissions).toHaveLength(0);
  });

  it('refuses a state-changing request from a foreign Origin (403) and a body that is not JSON (415)', async () => {
    const { url, runtime } = await start();
    const host = new URL(url).host;
    const foreign = await raw(url, {
      method: 'POST',
      headers: { host, origin: 'http://evil.example', 'content-type': 'text/plain' },
      body: submission,
    });
    expect(foreign.status).toBe(403);
    const form = await raw(url, {
      method: 'POST',
      headers: { host, 'content-type': 'application/x-www-form-urlencoded' },
      body: submission,
    });
    expect(form.status).toBe(415);
    expect(JSON.parse(form.body).error.message).toContain('content-type: application/json');
    expect(runtime.submissions).toHaveLength(0);
  });

  it('serves its own origin and localhost', async () => {
    const { url, runtime } = await start();
    const { port } = new URL(url);
    const same = await raw(url, {
      method: 'POST',
      headers: {
        host: `localhost:${port}`,
        origin: `http://localhost:${port}`,
        'content-type': 'application/json; charset=utf-8',
      },
      body: submission,
    });
    expect(same.status).toBe(201);
    expect(runtime.submissions).toHaveLength(1);
  });
});

describe('startDevServer', () => {
  it('listens on 127.0.0.1 and serves the API handler', async () => {
    const { url } = await start();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await fetch(`${url}/workflows`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { workflows: unknown[] }).workflows).toHaveLength(2);
  });

  it('passes headers through: the Idempotency-Key reaches the runtime', async () => {
    const { url, runtime } = await start();
    await fetch(`${url}/workflows/on_order/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'Idempotency-Key': 'k-9' },
      body: JSON.stringify({}),
    });
    expect(runtime.submissions[0]?.idempotencyKey).toBe('k-9');
  });

  it('fires matching triggers for POST /events, filling in a missing event id', async () => {
    const { url, runtime } = await start();
    const result = await post(
      `${url}/events`,
      JSON.stringify([{ source: 'shop', detail: { a: 1 } }, { source: 'x' }]),
    );
    expect(result.status).toBe(200);
    const [first, second] = result.body.events as { id: string; runs: { workflow: string }[] }[];
    expect(first?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(first?.runs.map((run) => run.workflow)).toEqual(['on_order']);
    expect(second?.runs).toEqual([]);
    expect(runtime.submissions[0]?.input).toEqual({ a: 1 });
  });

  it('fires a schedule when given what a scheduled rule delivers', async () => {
    const { url, runtime } = await start();
    const result = await post(
      `${url}/events`,
      JSON.stringify({ weft: { workflow: 'nightly', schedule: 'rate(1 day)' }, event: { id: 's-1' } }),
    );
    expect(result.status).toBe(200);
    expect(runtime.submissions[0]).toMatchObject({ workflow: 'nightly', input: { schedule: 'rate(1 day)' } });
  });

  it('refuses an event nested deeper than the limit with 400, starting nothing', async () => {
    const { url, runtime } = await start();
    const deep = `{"source":"shop","detail":${'['.repeat(1500)}${']'.repeat(1500)}}`;
    const result = await post(`${url}/events`, deep);
    expect(result.status).toBe(400);
    expect(result.body.error).toMatchObject({ code: 'request.tooDeep' });
    expect(runtime.submissions).toHaveLength(0);
  });

  it('refuses an event body over 256 KB with 413, as POST /runs does', async () => {
    const { url, runtime } = await start();
    const big = JSON.stringify({ source: 'shop', detail: { blob: 'x'.repeat(1024 * 1024) } });
    const result = await post(`${url}/events`, big);
    expect(result.status).toBe(413);
    expect(result.body.error).toMatchObject({ code: 'request.tooLarge' });
    expect(runtime.submissions).toHaveLength(0);
  });

  it.each(['//', '//evil.example/workflows', '//evil.example/events'])(
    'reads a request target starting with // as a path, not a host: %s is no route (404)',
    async (path) => {
      const { url, runtime } = await start();
      const answer = await raw(url, {
        method: 'POST',
        path,
        headers: { host: new URL(url).host, 'content-type': 'application/json' },
        body: '{"source":"shop"}',
      });
      expect(answer.status).toBe(404);
      expect(JSON.parse(answer.body).error.code).toBe('route.notFound');
      expect(runtime.submissions).toHaveLength(0);
    },
  );

  it('fails with a user error when the port is taken', async () => {
    const { url } = await start();
    const port = Number(new URL(url).port);
    const deps = { runtime: new FakeRuntime(plans), plans };
    await expect(
      startDevServer({ port, api: createApiHandler(deps), trigger: createTriggerHandler(deps) }),
    ).rejects.toThrow(
      new UserInputError(
        'usage',
        `port ${port} on 127.0.0.1 is in use: pass another --port (0 picks a free one)`,
      ),
    );
  });

  it('answers 400 for a delivery naming an unknown workflow, 405 for GET /events', async () => {
    const { url } = await start();
    const unknown = await post(
      `${url}/events`,
      JSON.stringify({ weft: { workflow: 'gone', trigger: 0 }, event: {} }),
    );
    expect(unknown.status).toBe(400);
    expect((await fetch(`${url}/events`)).status).toBe(405);
  });
});
