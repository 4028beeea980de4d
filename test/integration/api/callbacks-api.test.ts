import { describe, expect, it } from 'vitest';
import { type ApiEvent, type ApiResult, createApiHandler } from '../../../src/api/index.ts';
import type { TaskEvent } from '../../../src/runtime/types.ts';
import { catalog, createBench, plan } from '../engine/harness.ts';

/** `POST /callbacks/{token}` and its heartbeat, over the real runtime on the embedded store. */
const approvals = plan(`workflow:
  name: approvals
  tasks:
    - id: approve
      callback: { timeout: 1h, heartbeat: 10m }
    - id: payout
      deps: [approve]
`);

function post(rawPath: string, body?: unknown, raw?: string): ApiEvent {
  const text = raw ?? (body === undefined ? undefined : JSON.stringify(body));
  return {
    rawPath,
    headers: { 'content-type': 'application/json' },
    ...(text === undefined ? {} : { body: text }),
    requestContext: { http: { method: 'POST' }, requestId: 'req' },
  };
}

const parse = (result: ApiResult) => JSON.parse(result.body) as Record<string, unknown>;
const code = (result: ApiResult) => (parse(result).error as { code: string } | undefined)?.code;

async function waitingRun() {
  const plans = catalog(approvals);
  const bench = await createBench({ kind: 'sqlite' }, plans, { payout: (e: TaskEvent) => e.deps });
  const runtime = bench.runtime();
  const handle = createApiHandler({ runtime, plans });
  const { runId } = await runtime.submit({ workflow: 'approvals', input: null });
  let token = '';
  await bench.drive(runtime, async () => {
    token = (await runtime.getRun(runId))?.tasks.approve?.callback?.token ?? '';
    return token !== '';
  });
  return { bench, runtime, handle, runId, token };
}

describe('the callback routes', () => {
  it('complete a waiting task once (200, then 409), beat its heartbeat, and 404 an unknown token', async () => {
    const { bench, runtime, handle, runId, token } = await waitingRun();
    const path = `/callbacks/${encodeURIComponent(token)}`;
    const beat = await handle(post(`${path}/heartbeat`));
    expect(beat.statusCode).toBe(200);
    expect(parse(beat)).toEqual({ runId, taskId: 'approve', status: 'waiting' });
    const done = await handle(post(path, { output: { approved: true } }));
    expect(done.statusCode).toBe(200);
    expect(parse(done)).toEqual({ runId, taskId: 'approve', status: 'succeeded' });
    const again = await handle(post(path, { output: { approved: false } }));
    expect(again.statusCode).toBe(409);
    expect(code(again)).toBe('callback.closed');
    expect((await handle(post(`${path}/heartbeat`))).statusCode).toBe(409);
    const unknown = await handle(post('/callbacks/not-a-token', { output: 1 }));
    expect(unknown.statusCode).toBe(404);
    expect(code(unknown)).toBe('callback.notFound');
    const view = await bench.runToEnd(runtime, runId);
    expect(view.tasks.payout?.output).toEqual({ approve: { approved: true } });
  });

  it('refuses a body that is not exactly one of output and error, naming the shape', async () => {
    const { handle, token } = await waitingRun();
    const path = `/callbacks/${token}`;
    for (const [body, raw] of [
      [{}, undefined],
      [{ output: 1, error: { name: 'X', message: 'y' } }, undefined],
      [{ error: { name: '', message: 'y' } }, undefined],
      [{ error: { name: 'X' } }, undefined],
      [{ result: 1 }, undefined],
      [undefined, '[1]'],
      [undefined, '{"output":'],
    ] as const) {
      const result = await handle(post(path, body, raw));
      expect(result.statusCode, JSON.stringify(body ?? raw)).toBe(400);
      expect(String((parse(result).error as { message: string }).message)).not.toContain('    at ');
    }
    expect(code(await handle(post(path, {})))).toBe('request.invalid');
    // still open after all that
    expect((await handle(post(path, { output: null }))).statusCode).toBe(200);
  });

  it('fails the attempt with an error completion, which the run view then shows', async () => {
    const { bench, runtime, handle, runId, token } = await waitingRun();
    const error = { name: 'Rejected', message: 'the manager said no' };
    const result = await handle(post(`/callbacks/${token}`, { error }));
    expect(parse(result)).toEqual({ runId, taskId: 'approve', status: 'failed' });
    const view = await bench.runToEnd(runtime, runId);
    expect(view.status).toBe('failed');
    expect(view.tasks.approve?.error).toEqual(error);
  });

  it('answers 405 for another method on a callback route', async () => {
    const { handle, token } = await waitingRun();
    const result = await handle({
      ...post(`/callbacks/${token}`),
      requestContext: { http: { method: 'GET' } },
    });
    expect(result.statusCode).toBe(405);
    expect(result.headers.allow).toBe('POST');
  });
});
