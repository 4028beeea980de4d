import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type ApiEvent, type ApiHandler, createApiHandler } from '../../../src/api/index.ts';
import { UserInputError } from '../../../src/errors.ts';
import { readPlanDir } from '../../../src/files/workflows.ts';
import { planCatalog } from '../../../src/runtime/catalog.ts';
import { createAwsRuntime, ensureQueue, ensureTable } from '../../../src/runtime/index.ts';
import { createTriggerHandler, type TriggerHandler } from '../../../src/triggers/index.ts';
import { type BadRequest, payloadArbitrary, requestArbitrary } from './bad-input.ts';
import { type DevProcess, startWeftDev } from './dev-server.ts';

/**
 * Whatever a client sends, the API answers a JSON 2xx or 4xx, never a 5xx: `weft dev` as a process (the
 * embedded SQLite store, every route, `POST /events` included), and the Lambda handlers over the AWS runtime
 * on the emulators. Bounded: a few hundred requests in all.
 */

/** Query parameters as API Gateway passes them: decoded, a repeated one's values joined by commas. */
function query(text: string): Record<string, string> {
  const params = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(text)) {
    const before = params.get(name);
    params.set(name, before === undefined ? value : `${before},${value}`);
  }
  return Object.fromEntries(params);
}

/** The answer is a 2xx, or a 4xx carrying `{ error: { code, message } }`; always JSON. */
function expectClientAnswer(request: BadRequest, status: number, contentType: string, text: string): void {
  const described = `${request.method} ${request.path} answered ${status}: ${text.slice(0, 300)}`;
  expect(status >= 200 && status < 300 ? 'ok' : status >= 400 && status < 500 ? 'ok' : described).toBe('ok');
  expect(contentType, described).toMatch(/^application\/json/);
  const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
  if (status >= 400) {
    expect(typeof body.error?.code, described).toBe('string');
    expect(typeof body.error?.message, described).toBe('string');
  }
}

describe('weft dev answers every request with a JSON 2xx or 4xx', () => {
  let dev: DevProcess;
  beforeAll(async () => {
    dev = await startWeftDev();
    // a run the routes that read one can find
    const started = await fetch(`${dev.url}/workflows/greet/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ runId: 'r-1' }),
    });
    expect(started.status).toBe(201);
  });
  afterAll(async () => {
    expect(await dev?.stop()).toBe(0);
  });

  it('for random and adversarial requests to every route', async () => {
    await fc.assert(
      fc.asyncProperty(requestArbitrary, async (request) => {
        const response = await fetch(`${dev.url}${request.path}`, {
          method: request.method,
          headers: request.headers,
          ...(request.body === undefined ? {} : { body: request.body }),
        });
        const text = await response.text();
        expectClientAnswer(request, response.status, response.headers.get('content-type') ?? '', text);
      }),
      { numRuns: 300 },
    );
    expect(dev.stderr()).not.toMatch(/API request failed/);
  });
});

describe('the API and trigger functions over the AWS runtime', () => {
  let api: ApiHandler;
  let trigger: TriggerHandler;
  beforeAll(async () => {
    const region = 'us-east-1';
    const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
    const dynamodb = new DynamoDBClient({ region, endpoint: inject('dynamodbEndpoint'), credentials });
    const sqs = new SQSClient({ region, endpoint: inject('sqsEndpoint'), credentials });
    const name = `weft-bad-input-${process.pid}-${Date.now()}`;
    await ensureTable(dynamodb, name);
    const { queueUrl } = await ensureQueue(sqs, name);
    const plans = planCatalog(await readPlanDir('test/fixtures/api/workflows'));
    const runtime = createAwsRuntime({ dynamodb, sqs, tableName: name, queueUrl, plans, handlers: {} });
    api = createApiHandler({ runtime, plans });
    await runtime.submit({ workflow: 'greet', input: {}, runId: 'r-1' });
    trigger = createTriggerHandler({ runtime, plans });
  });

  it('the API handler answers a JSON 2xx or 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(requestArbitrary, fc.boolean(), async (request, base64) => {
        const binary = typeof request.body !== 'string' && request.body !== undefined;
        const [rawPath = '', rawQueryString] = request.path.split(/\?(.*)/s);
        const event: ApiEvent = {
          rawPath,
          ...(rawQueryString === undefined
            ? {}
            : { rawQueryString, queryStringParameters: query(rawQueryString) }),
          headers: request.headers,
          ...(request.body === undefined
            ? {}
            : {
                body: binary || base64 ? Buffer.from(request.body).toString('base64') : String(request.body),
              }),
          isBase64Encoded: binary || base64,
          requestContext: { http: { method: request.method }, requestId: 'property' },
        };
        const result = await api(event);
        expectClientAnswer(request, result.statusCode, result.headers['content-type'] ?? '', result.body);
      }),
      { numRuns: 200 },
    );
  });

  it('the trigger function starts runs or refuses the event as invalid, never failing otherwise', async () => {
    await fc.assert(
      fc.asyncProperty(payloadArbitrary, async (payload) => {
        const outcome = await trigger(payload).then(
          () => 'handled',
          (error: unknown) => (error instanceof UserInputError ? 'refused' : error),
        );
        expect(['handled', 'refused']).toContain(outcome);
      }),
      { numRuns: 150 },
    );
  });
});
