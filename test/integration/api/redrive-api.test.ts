import { describe, expect, it } from 'vitest';
import { type ApiEvent, type ApiResult, createApiHandler } from '../../../src/api/index.ts';
import type { TaskEvent } from '../../../src/runtime/types.ts';
import { catalog, createBench, plan } from '../engine/harness.ts';

/** `POST /runs/{id}/redrive` and `/rollback`, over the real runtime on the embedded store. */
const flaky = plan(`workflow:
  name: flaky
  on_failure: pause
  tasks:
    - id: book
      compensation: unbook
    - id: charge
      deps: [book]
`);

function post(rawPath: string, body?: unknown, arn?: string): ApiEvent {
  return {
    rawPath,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    requestContext: {
      http: { method: 'POST' },
      requestId: 'req',
      ...(arn ? { authorizer: { iam: { userArn: arn } } } : {}),
    } as ApiEvent['requestContext'],
  };
}

const parse = (result: ApiResult) => JSON.parse(result.body) as Record<string, unknown>;
const code = (result: ApiResult) => (parse(result).error as { code: string } | undefined)?.code;

async function pausedRun() {
  const plans = catalog(flaky);
  const calls: string[] = [];
  const bench = await createBench({ kind: 'sqlite' }, plans, {
    book: () => calls.push('book'),
    unbook: () => calls.push('unbook'),
    charge: (event: TaskEvent) => {
      calls.push('charge');
      if ((event.input as { card?: string }).card !== 'good') throw new Error('card declined');
      return 'charged';
    },
  });
  const runtime = bench.runtime();
  const handle = createApiHandler({ runtime, plans });
  const { runId } = await runtime.submit({ workflow: 'flaky', input: { card: 'bad' } });
  await bench.drive(runtime, async () => (await runtime.getRun(runId))?.status === 'paused');
  return { bench, runtime, handle, runId, calls };
}

describe('the redrive and rollback routes', () => {
  it('redrive a paused run with a new input, recording who asked', async () => {
    const { bench, runtime, handle, runId, calls } = await pausedRun();
    const arn = 'arn:aws:iam::123456789012:user/ops';
    const result = await handle(
      post(`/workflows/flaky/runs/${runId}/redrive`, { input: { card: 'good' } }, arn),
    );
    expect(result.statusCode).toBe(200);
    expect(parse(result)).toMatchObject({ runId, status: 'running' });
    const view = await bench.runToEnd(runtime, runId);
    expect(view.status).toBe('succeeded');
    expect(calls).toEqual(['book', 'charge', 'charge']);
    const event = ((await runtime.history(runId)) ?? []).find((e) => e.type === 'run.redriven');
    expect(event?.detail).toMatchObject({ by: arn, input: 'replaced', changedKeys: ['card'] });
    const again = await handle(post(`/workflows/flaky/runs/${runId}/redrive`));
    expect(again.statusCode).toBe(409);
    expect(code(again)).toBe('run.notPaused');
  });

  it('refuse an unknown task, an unknown field and an unknown run; roll a paused run back', async () => {
    const { bench, runtime, handle, runId, calls } = await pausedRun();
    const unknownTask = await handle(post(`/workflows/flaky/runs/${runId}/redrive`, { from: 'nope' }));
    expect([unknownTask.statusCode, code(unknownTask)]).toEqual([400, 'redrive.unknownTask']);
    const unknownField = await handle(post(`/workflows/flaky/runs/${runId}/redrive`, { form: 'book' }));
    expect([unknownField.statusCode, code(unknownField)]).toEqual([400, 'request.invalid']);
    expect((await handle(post('/workflows/flaky/runs/nope/redrive'))).statusCode).toBe(404);
    const rolled = await handle(post(`/workflows/flaky/runs/${runId}/rollback`));
    expect(rolled.statusCode).toBe(200);
    const view = await bench.runToEnd(runtime, runId);
    expect(view).toMatchObject({ status: 'failed', rollback: 'completed' });
    expect(calls).toContain('unbook');
    expect(code(await handle(post(`/workflows/flaky/runs/${runId}/rollback`)))).toBe('run.notPaused');
  });
});
