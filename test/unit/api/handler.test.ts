import { beforeEach, describe, expect, it } from 'vitest';
import {
  type ApiEvent,
  type ApiResult,
  createApiHandler,
  MAX_BODY_BYTES,
  MAX_BODY_DEPTH,
} from '../../../src/api/index.ts';
import { WeftError } from '../../../src/errors.ts';
import { StateDirError } from '../../../src/local/state-dir-errors.ts';
import { UnknownWorkflowError } from '../../../src/runtime/errors.ts';
import { catalogOf, chainPlan, FakeRuntime } from '../../support/fake-runtime.ts';

const plans = catalogOf([
  chainPlan('loan_approval', ['credit_check', 'fraud_detection', 'final_decision']),
  chainPlan('payroll', ['pay']),
]);
const RUNS = '/workflows/loan_approval/runs';

function request(
  method: string,
  rawPath: string,
  body?: string,
  headers: Record<string, string> = {},
): ApiEvent {
  return {
    rawPath,
    headers,
    ...(body === undefined ? {} : { body }),
    isBase64Encoded: false,
    requestContext: { http: { method }, requestId: 'req-1' },
  };
}

function bodyOf(result: ApiResult): Record<string, unknown> {
  expect(result.headers['content-type']).toMatch(/^application\/json/);
  return JSON.parse(result.body) as Record<string, unknown>;
}

function errorOf(result: ApiResult): { code: string; message: string; field?: string } {
  return bodyOf(result).error as { code: string; message: string; field?: string };
}

describe('createApiHandler', () => {
  let runtime: FakeRuntime;
  let handle: ReturnType<typeof createApiHandler>;

  beforeEach(() => {
    runtime = new FakeRuntime(plans);
    handle = createApiHandler({ runtime, plans });
  });

  it('submits a run and answers 201 with its id and location', async () => {
    const result = await handle(request('POST', RUNS, JSON.stringify({ input: { a: 1 } })));
    expect(result.statusCode).toBe(201);
    const body = bodyOf(result);
    expect(body).toMatchObject({ workflow: 'loan_approval', created: true });
    expect(result.headers.location).toBe(`${RUNS}/${String(body.runId)}`);
    expect(runtime.submissions).toEqual([{ workflow: 'loan_approval', input: { a: 1 } }]);
  });

  it('defaults the input to an empty object', async () => {
    await handle(request('POST', RUNS, JSON.stringify({})));
    expect(runtime.submissions[0]?.input).toEqual({});
  });

  it('passes the Idempotency-Key header and answers 200 for the same key twice', async () => {
    const send = () =>
      handle(
        request('POST', RUNS, JSON.stringify({ input: {} }), {
          'Idempotency-Key': 'k1',
        }),
      );
    const first = await send();
    const second = await send();
    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(200);
    expect(bodyOf(second).runId).toBe(bodyOf(first).runId);
    expect(bodyOf(second).created).toBe(false);
    expect(runtime.submissions[0]?.idempotencyKey).toBe('k1');
  });

  it('passes a caller-chosen runId', async () => {
    const result = await handle(request('POST', RUNS, JSON.stringify({ runId: 'r-42' })));
    expect(bodyOf(result).runId).toBe('r-42');
  });

  it('rejects malformed JSON with 400', async () => {
    const result = await handle(request('POST', RUNS, '{"input":'));
    expect(result.statusCode).toBe(400);
    expect(errorOf(result).code).toBe('request.malformedJson');
  });

  it('rejects an empty body with 400', async () => {
    const result = await handle(request('POST', RUNS));
    expect(result.statusCode).toBe(400);
  });

  it('rejects a body that is not an object with 400', async () => {
    const result = await handle(request('POST', RUNS, '[1,2]'));
    expect(result.statusCode).toBe(400);
    expect(errorOf(result).message).toMatch(/JSON object/);
  });

  it('rejects a workflow in the body: the path names it', async () => {
    const result = await handle(request('POST', RUNS, JSON.stringify({ workflow: 'payroll', input: {} })));
    expect(result.statusCode).toBe(400);
    expect(errorOf(result)).toMatchObject({ code: 'request.invalid', field: 'workflow' });
    expect(errorOf(result).message).toContain('POST /workflows/{name}/runs');
    expect(runtime.submissions).toEqual([]);
  });

  it('rejects a wrongly typed runId naming the field', async () => {
    const result = await handle(request('POST', RUNS, JSON.stringify({ runId: 'a b' })));
    expect(result.statusCode).toBe(400);
    expect(errorOf(result).field).toBe('runId');
  });

  it('rejects an unknown field such as a typo, naming it', async () => {
    const result = await handle(request('POST', RUNS, JSON.stringify({ inptu: {} })));
    expect(result.statusCode).toBe(400);
    expect(errorOf(result)).toMatchObject({ field: 'inptu' });
    expect(errorOf(result).message).toMatch(/unknown field 'inptu'/);
  });

  it('rejects both a runId and an Idempotency-Key', async () => {
    const result = await handle(
      request('POST', RUNS, JSON.stringify({ runId: 'r1' }), {
        'idempotency-key': 'k',
      }),
    );
    expect(result.statusCode).toBe(400);
    expect(runtime.submissions).toEqual([]);
  });

  it('rejects an Idempotency-Key with control characters', async () => {
    const result = await handle(request('POST', RUNS, JSON.stringify({}), { 'idempotency-key': 'a\tb' }));
    expect(result.statusCode).toBe(400);
    expect(errorOf(result).field).toBe('Idempotency-Key');
  });

  it("rejects an Idempotency-Key in the events' namespace: no client takes an event's run first", async () => {
    const result = await handle(
      request('POST', RUNS, JSON.stringify({ input: { junk: true } }), {
        'idempotency-key': 'event:w:evt-1',
      }),
    );
    expect(result.statusCode).toBe(400);
    expect(errorOf(result).message).toMatch(/must not start with 'event:'/);
    expect(runtime.submissions).toEqual([]);
  });

  it('rejects a body over 256 KB with 413', async () => {
    const big = JSON.stringify({ input: { blob: 'x'.repeat(MAX_BODY_BYTES) } });
    const result = await handle(request('POST', RUNS, big));
    expect(result.statusCode).toBe(413);
    expect(errorOf(result).code).toBe('request.tooLarge');
  });

  it('rejects a body nested deeper than the limit with 400, before parsing it', async () => {
    const deep = `{"input":${'['.repeat(1500)}${']'.repeat(1500)}}`;
    const result = await handle(request('POST', RUNS, deep));
    expect(result.statusCode).toBe(400);
    expect(errorOf(result)).toMatchObject({ code: 'request.tooDeep' });
    expect(errorOf(result).message).toContain(`${MAX_BODY_DEPTH} levels`);
    expect(runtime.submissions).toEqual([]);
  });

  it('accepts a body nested exactly as deep as the limit', async () => {
    const levels = MAX_BODY_DEPTH - 1; // the body's own object is the first level
    const input = `${'['.repeat(levels)}${']'.repeat(levels)}`;
    const result = await handle(request('POST', RUNS, `{"input":${input}}`));
    expect(result.statusCode).toBe(201);
  });

  it('measures the size of a base64 body once decoded', async () => {
    const body = Buffer.from(JSON.stringify({ input: { n: 1 } })).toString('base64');
    const result = await handle({ ...request('POST', RUNS, body), isBase64Encoded: true });
    expect(result.statusCode).toBe(201);
  });

  it('answers 404 for an unknown workflow, listing the known ones', async () => {
    const result = await handle(request('POST', '/workflows/nope/runs', JSON.stringify({})));
    expect(result.statusCode).toBe(404);
    expect(errorOf(result)).toMatchObject({ code: 'workflow.unknown', field: 'workflow' });
    expect(errorOf(result).message).toMatch(/loan_approval/);
  });

  it('answers 409 when the same key comes with a different input', async () => {
    const send = (input: unknown) =>
      handle(
        request('POST', RUNS, JSON.stringify({ input }), {
          'idempotency-key': 'k',
        }),
      );
    await send({ a: 1 });
    const result = await send({ a: 2 });
    expect(result.statusCode).toBe(409);
    expect(errorOf(result).code).toBe('run.conflict');
  });

  it('returns a run, its history, and cancels it', async () => {
    const { runId } = bodyOf(await handle(request('POST', RUNS, JSON.stringify({}))));
    const run = await handle(request('GET', `${RUNS}/${String(runId)}`));
    expect(run.statusCode).toBe(200);
    expect(bodyOf(run)).toMatchObject({ runId, workflow: 'loan_approval', status: 'running' });
    const history = await handle(request('GET', `${RUNS}/${String(runId)}/history`));
    expect(bodyOf(history)).toMatchObject({ runId, events: [{ lamport: 1, type: 'run.submitted' }] });
    const cancelled = await handle(request('POST', `${RUNS}/${String(runId)}/cancel`));
    expect(cancelled.statusCode).toBe(200);
    expect(bodyOf(cancelled).status).toBe('cancelled');
  });

  it('answers a task output by its route, and 404 for a task with none or no such task', async () => {
    const { runId } = bodyOf(await handle(request('POST', RUNS, JSON.stringify({}))));
    const id = String(runId);
    const view = runtime.runs.get(id);
    if (!view) expect.fail('no run');
    runtime.runs.set(id, {
      ...view,
      tasks: { ...view.tasks, credit_check: { status: 'succeeded', attempts: 1, output: { score: 7 } } },
    });
    const output = await handle(request('GET', `${RUNS}/${id}/tasks/credit_check/output`));
    expect([output.statusCode, bodyOf(output)]).toEqual([
      200,
      { runId: id, taskId: 'credit_check', output: { score: 7 } },
    ]);
    const none = await handle(request('GET', `${RUNS}/${id}/tasks/final_decision/output`));
    expect([none.statusCode, errorOf(none).code]).toEqual([404, 'task.noOutput']);
    for (const task of ['nope', '__proto__', 'constructor']) {
      const unknown = await handle(request('GET', `${RUNS}/${id}/tasks/${task}/output`));
      expect([unknown.statusCode, errorOf(unknown).code]).toEqual([404, 'task.notFound']);
    }
    expect((await handle(request('POST', `${RUNS}/${id}/tasks/credit_check/output`))).statusCode).toBe(405);
  });

  it('reads the history page from the query string, and refuses a bad limit or cursor with a 400', async () => {
    const { runId } = bodyOf(await handle(request('POST', RUNS, JSON.stringify({}))));
    const path = `${RUNS}/${String(runId)}/history`;
    const page = await handle({ ...request('GET', path), rawQueryString: 'limit=1' });
    expect(bodyOf(page)).toEqual({ runId, events: [expect.objectContaining({ type: 'run.submitted' })] });
    const cases: [Partial<ApiEvent>, string][] = [
      [{ rawQueryString: 'limit=0' }, 'history.invalidLimit'],
      [{ queryStringParameters: { limit: '10,20' } }, 'history.invalidLimit'],
      [{ rawQueryString: 'next=garbage!' }, 'history.invalidCursor'],
      [{ rawQueryString: 'limt=5' }, 'request.invalid'],
      [{ rawQueryString: '__proto__=1' }, 'request.invalid'],
    ];
    for (const [query, code] of cases) {
      const refused = await handle({ ...request('GET', path), ...query });
      expect([refused.statusCode, errorOf(refused).code]).toEqual([400, code]);
    }
  });

  it.each([
    ['GET', `${RUNS}/missing`],
    ['GET', `${RUNS}/missing/history`],
    ['GET', `${RUNS}/missing/tasks/a/output`],
    ['POST', `${RUNS}/missing/cancel`],
    ['POST', `${RUNS}/missing/redrive`],
    ['POST', `${RUNS}/missing/rollback`],
    ['GET', `${RUNS}/%E0%A4%A`],
    ['GET', `${RUNS}/has%20space`],
    ['GET', '/workflows/loan_approval/runs/..'],
    ['GET', '/workflows/loan_approval%2Fruns/runs/r1'],
  ])('answers 404 for %s %s', async (method, path) => {
    const result = await handle(request(method, path));
    expect(result.statusCode).toBe(404);
  });

  it('lists the workflows', async () => {
    const result = await handle(request('GET', '/workflows'));
    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toEqual({
      workflows: [
        {
          name: 'loan_approval',
          version: 'v-loan_approval',
          mode: 'async',
          tasks: ['credit_check', 'fraud_detection', 'final_decision'],
          triggers: 0,
          schedules: [],
        },
        { name: 'payroll', version: 'v-payroll', mode: 'async', tasks: ['pay'], triggers: 0, schedules: [] },
      ],
    });
  });

  it('answers 405 with Allow for a known path and the wrong method', async () => {
    const result = await handle(request('DELETE', RUNS));
    expect(result.statusCode).toBe(405);
    expect(result.headers.allow).toBe('POST');
  });

  it('answers 404 for an unknown route', async () => {
    expect((await handle(request('GET', '/nothing'))).statusCode).toBe(404);
  });

  it('answers 404 on the retired /runs routes, pointing at the workflow routes', async () => {
    for (const [method, path] of [
      ['POST', '/runs'],
      ['GET', '/runs/r1'],
      ['POST', '/runs/r1/cancel'],
    ] as const) {
      const result = await handle(request(method, path, '{}'));
      expect([result.statusCode, errorOf(result).code]).toEqual([404, 'route.notFound']);
      expect(errorOf(result).message).toContain('/workflows/{name}/runs');
    }
    expect(runtime.submissions).toEqual([]);
  });

  it('answers 500 without details for a failure of its own, and logs it', async () => {
    const logged: Record<string, unknown>[] = [];
    const failing = createApiHandler({
      runtime: Object.assign(new FakeRuntime(plans), {
        workflowOf: async () => {
          throw new Error('dynamodb unreachable');
        },
      }),
      plans,
      logger: { error: (_message, fields) => logged.push(fields) },
    });
    const result = await failing(request('GET', `${RUNS}/r1`));
    expect(result.statusCode).toBe(500);
    expect(result.body).not.toMatch(/unreachable/);
    expect(errorOf(result).message).toMatch(/req-1/);
    expect(logged).toHaveLength(1);
  });

  it("answers 503 when weft dev's state dir fails, with the explanation", async () => {
    const full = createApiHandler({
      runtime: Object.assign(new FakeRuntime(plans), {
        submit: async () => {
          throw new StateDirError(
            'stateDir.diskFull',
            "no space left on the disk holding '.weft/weft.db'",
            '.weft/weft.db',
          );
        },
      }),
      plans,
    });
    const result = await full(request('POST', RUNS, JSON.stringify({})));
    expect(result.statusCode).toBe(503);
    expect(errorOf(result)).toMatchObject({
      code: 'stateDir.diskFull',
      message: expect.stringContaining('.weft/weft.db'),
    });
  });

  it('maps the runtime refusing an unknown workflow to 404', async () => {
    const racing = createApiHandler({
      runtime: Object.assign(new FakeRuntime(plans), {
        submit: async () => {
          throw new UnknownWorkflowError('loan_approval', []);
        },
      }),
      plans,
    });
    const result = await racing(request('POST', RUNS, JSON.stringify({})));
    expect(result.statusCode).toBe(404);
    expect(errorOf(result)).toMatchObject({ code: 'workflow.unknown', field: 'workflow' });
  });

  it('maps a runtime conflict raised as a WeftError to 409', async () => {
    const conflicting = createApiHandler({
      runtime: Object.assign(new FakeRuntime(plans), {
        submit: async () => {
          throw new WeftError('run.conflict', 'run r1 exists with another input');
        },
      }),
      plans,
    });
    const result = await conflicting(request('POST', RUNS, JSON.stringify({ runId: 'r1' })));
    expect(result.statusCode).toBe(409);
  });
});
