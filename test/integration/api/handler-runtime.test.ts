import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { type ApiEvent, type ApiResult, createApiHandler } from '../../../src/api/index.ts';
import { readPlanDir } from '../../../src/files/workflows.ts';
import { planCatalog } from '../../../src/runtime/catalog.ts';
import { createAwsRuntime, ensureQueue, ensureTable, runIdForKey } from '../../../src/runtime/index.ts';

const GREET = '/workflows/greet/runs';

/** The API handler over the real runtime on dynalite and fauxqs, without a worker: runs stay pending. */
let handle: (event: ApiEvent) => Promise<ApiResult>;

function request(
  method: string,
  rawPath: string,
  body?: unknown,
  headers: Record<string, string> = {},
): ApiEvent {
  return {
    rawPath,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    requestContext: { http: { method }, requestId: 'req' },
  };
}

function parse(result: ApiResult): Record<string, unknown> {
  return JSON.parse(result.body) as Record<string, unknown>;
}

beforeAll(async () => {
  const region = 'us-east-1';
  const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
  const dynamodb = new DynamoDBClient({ region, endpoint: inject('dynamodbEndpoint'), credentials });
  const sqs = new SQSClient({ region, endpoint: inject('sqsEndpoint'), credentials });
  const suffix = `${process.pid}-${Date.now()}`;
  const tableName = `weft-api-${suffix}`;
  await ensureTable(dynamodb, tableName);
  const { queueUrl } = await ensureQueue(sqs, `weft-api-${suffix}`);
  const plans = planCatalog(await readPlanDir('test/fixtures/api/workflows'));
  const runtime = createAwsRuntime({ dynamodb, sqs, tableName, queueUrl, plans, handlers: {} });
  handle = createApiHandler({ runtime, plans });
});

describe('createApiHandler over the real runtime', () => {
  it('submits, reads the run and its history', async () => {
    const submitted = await handle(request('POST', GREET, { input: { name: 'x' } }));
    expect(submitted.statusCode).toBe(201);
    const runId = String(parse(submitted).runId);
    const run = await handle(request('GET', `${GREET}/${runId}`));
    expect(parse(run)).toMatchObject({ runId, workflow: 'greet', status: 'running', input: { name: 'x' } });
    const history = parse(await handle(request('GET', `${GREET}/${runId}/history`)));
    expect((history.events as { type: string }[])[0]?.type).toBe('run.submitted');
  });

  it('maps the runtime conflict on a reused idempotency key to 409, and the same input to 200', async () => {
    const send = (n: number) =>
      handle(request('POST', GREET, { input: { n } }, { 'idempotency-key': 'real-runtime-key' }));
    expect((await send(1)).statusCode).toBe(201);
    expect((await send(1)).statusCode).toBe(200);
    const conflict = await send(2);
    expect(conflict.statusCode).toBe(409);
    expect(parse(conflict).error).toMatchObject({ code: 'run.conflict' });
  });

  it('answers 404 for a run the table does not hold', async () => {
    expect((await handle(request('GET', `${GREET}/never-submitted`))).statusCode).toBe(404);
    expect((await handle(request('POST', `${GREET}/never-submitted/cancel`))).statusCode).toBe(404);
  });

  it('cancels a run that has not started', async () => {
    const { runId } = parse(await handle(request('POST', GREET, { input: {} })));
    const cancelled = await handle(request('POST', `${GREET}/${String(runId)}/cancel`));
    expect(cancelled.statusCode).toBe(200);
    expect(['compensating', 'cancelled']).toContain(parse(cancelled).status);
  });

  it("keeps run ids out of the keys' namespace, and takes any key the one rule allows", async () => {
    // squatting: a client run id equal to what Idempotency-Key 'order-9' maps to is refused
    const squat = await handle(
      request('POST', GREET, { input: { junk: true }, runId: runIdForKey('greet', 'order-9') }),
    );
    expect(squat.statusCode).toBe(400);
    expect(parse(squat).error).toMatchObject({ code: 'request.invalid', field: 'runId' });
    expect(String((parse(squat).error as { message: string }).message)).toContain(
      "must not start with 'key-'",
    );
    const real = await handle(request('POST', GREET, { input: { n: 9 } }, { 'idempotency-key': 'order-9' }));
    expect(real.statusCode).toBe(201);
    expect(parse(real).runId).toBe(runIdForKey('greet', 'order-9'));
    // a key with '/' and 256 characters is within the rule at the edge and in the runtime alike
    for (const key of ['order/42', 'k'.repeat(256)]) {
      const sent = await handle(request('POST', GREET, { input: {} }, { 'idempotency-key': key }));
      expect(sent.statusCode, key).toBe(201);
    }
    const tooLong = await handle(
      request('POST', GREET, { input: {} }, { 'idempotency-key': 'k'.repeat(257) }),
    );
    expect(tooLong.statusCode).toBe(400);
  });

  it('keeps a key of one workflow from naming a run of another', async () => {
    const key = { 'idempotency-key': 'shared-key-1' };
    const greet = await handle(request('POST', GREET, { input: {} }, key));
    const slow = await handle(request('POST', '/workflows/slow/runs', { input: {} }, key));
    expect([greet.statusCode, slow.statusCode]).toEqual([201, 201]);
    expect(parse(slow).runId).not.toBe(parse(greet).runId);
  });

  it('answers every route on a run of another workflow with 404, changing nothing', async () => {
    const { runId } = parse(await handle(request('POST', GREET, { input: {} })));
    const other = `/workflows/slow/runs/${String(runId)}`;
    for (const [method, path] of [
      ['GET', other],
      ['GET', `${other}/history`],
      ['GET', `${other}/tasks/hello/output`],
      ['POST', `${other}/cancel`],
      ['POST', `${other}/redrive`],
      ['POST', `${other}/rollback`],
    ] as const) {
      const result = await handle(request(method, path));
      expect([result.statusCode, (parse(result).error as { code: string }).code], path).toEqual([
        404,
        'run.notFound',
      ]);
    }
    expect(parse(await handle(request('GET', `${GREET}/${String(runId)}`)))).toMatchObject({
      status: 'running',
    });
  });
});
