import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { App } from 'aws-cdk-lib';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { WeftStack } from '../../../infra/weft-stack.ts';
import { readPlanDir } from '../../../src/files/workflows.ts';
import { ensureQueue, ensureTable } from '../../../src/runtime/index.ts';

/**
 * The Lambda functions exactly as `cdk deploy` ships them: the app is synthesised, and the bundles
 * (index.mjs with plans.json beside it) are loaded and called with the events Lambda would pass, against
 * dynalite and fauxqs (the SDK's AWS_ENDPOINT_URL_* variables point the bundled clients at them).
 */

type Handler = (event: unknown, context?: unknown) => Promise<unknown>;
interface ApiAnswer {
  statusCode: number;
  body: string;
}

const region = 'us-east-1';
const suffix = `${process.pid}-${Date.now()}`;
const tableName = `weft-bundles-${suffix}`;
let queueUrl: string;
let sqs: SQSClient;
const bundles: Record<string, Handler> = {};
/** The EMF documents and the log lines the functions printed (collected instead of printed). */
const emitted: Record<string, unknown>[] = [];
const logged: Record<string, unknown>[] = [];

const context = {
  callbackWaitsForEmptyEventLoop: true,
  functionName: 'WorkerFunction',
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:${region}:123456789012:function:WorkerFunction`,
  memoryLimitInMB: '1024',
  awsRequestId: 'req-1',
  logGroupName: '/aws/lambda/WorkerFunction',
  logStreamName: 'stream',
  getRemainingTimeInMillis: () => 60_000,
  done: () => {},
  fail: () => {},
  succeed: () => {},
} satisfies Context;

function api(
  method: string,
  rawPath: string,
  body?: unknown,
  query?: Record<string, string>,
): Promise<ApiAnswer> {
  return bundles.api?.({
    rawPath,
    headers: { 'content-type': 'application/json' },
    ...(query === undefined ? {} : { queryStringParameters: query }),
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    isBase64Encoded: false,
    requestContext: { http: { method }, requestId: 'r' },
  }) as Promise<ApiAnswer>;
}

/** One poll of the event source mapping: a batch from the queue to the worker, failures left for redelivery. */
async function pollOnce(): Promise<number> {
  const received = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
  );
  const messages = received.Messages ?? [];
  if (messages.length === 0) return 0;
  const event: SQSEvent = {
    Records: messages.map((message) => ({
      messageId: message.MessageId ?? '',
      receiptHandle: message.ReceiptHandle ?? '',
      body: message.Body ?? '',
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(Date.now()),
        SenderId: 'test',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: message.MD5OfBody ?? '',
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:${region}:123456789012:queue`,
      awsRegion: region,
    })),
  };
  const response = (await bundles.worker?.(event, context)) as SQSBatchResponse;
  const failed = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
  const done = messages.filter((message) => !failed.has(message.MessageId ?? ''));
  if (done.length > 0) {
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: done.map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle ?? '',
        })),
      }),
    );
  }
  return messages.length;
}

async function runToEnd(workflow: string, runId: string): Promise<Record<string, unknown>> {
  for (;;) {
    await pollOnce();
    const answer = await api('GET', `/workflows/${workflow}/runs/${runId}`);
    const run = JSON.parse(answer.body) as Record<string, unknown>;
    if (['succeeded', 'failed', 'cancelled'].includes(String(run.status))) return run;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

beforeAll(async () => {
  // Powertools writes EMF to stdout and ERROR log lines to stderr.
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      const text = String(chunk);
      if (text.includes('"_aws"')) emitted.push(JSON.parse(text) as Record<string, unknown>);
      else if (text.startsWith('{"level"')) logged.push(JSON.parse(text) as Record<string, unknown>);
      else write(chunk);
      return true;
    });
  }
  const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
  const dynamodbEndpoint = inject('dynamodbEndpoint');
  const sqsEndpoint = inject('sqsEndpoint');
  await ensureTable(new DynamoDBClient({ region, endpoint: dynamodbEndpoint, credentials }), tableName);
  sqs = new SQSClient({ region, endpoint: sqsEndpoint, credentials });
  const created = await ensureQueue(sqs, `weft-bundles-${suffix}`);
  // Clients configured by AWS_ENDPOINT_URL_SQS send to the queue URL's own host (as in AWS), so the URL
  // must name the emulator's address rather than fauxqs' `sqs.<region>.localhost`.
  queueUrl = `${sqsEndpoint}${new URL(created.queueUrl).pathname}`;

  const plans = await readPlanDir('test/fixtures/api/workflows');
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'weft-bundles-')) });
  const stack = new WeftStack(app, 'Bundles', { plans, handlersModule: 'test/fixtures/api/handlers.ts' });
  const template = app.synth().getStackArtifact(stack.artifactId).template as {
    Resources: Record<string, { Type: string; Properties: { Code?: { S3Key?: string } } }>;
  };

  // Lambda's Invoke route, as the API function calls it to have the worker run a sync submission
  invokeEndpoint = await startInvokeEndpoint();
  Object.assign(process.env, {
    WORKER_FUNCTION: 'WorkerFunction',
    AWS_ENDPOINT_URL_LAMBDA: invokeEndpoint.url,
    TABLE_NAME: tableName,
    QUEUE_URL: queueUrl,
    API_AUTH: 'iam',
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: dynamodbEndpoint,
    AWS_ENDPOINT_URL_SQS: sqsEndpoint,
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const role = /Weft(Api|Worker|Reaper|Trigger)Function/.exec(id)?.[1]?.toLowerCase();
    const hash = resource.Properties.Code?.S3Key?.replace(/\.zip$/, '');
    if (!role || !hash) continue;
    const dir = join(app.outdir, `asset.${hash}`);
    expect(JSON.parse(readFileSync(join(dir, 'plans.json'), 'utf8'))).toEqual(plans);
    const module = (await import(pathToFileURL(join(dir, 'index.mjs')).href)) as { handler: Handler };
    bundles[role] = module.handler;
  }
  expect(Object.keys(bundles).sort()).toEqual(['api', 'reaper', 'trigger', 'worker']);
}, 120_000);

afterAll(() => {
  vi.restoreAllMocks();
  invokeEndpoint?.server.close();
});

let invokeEndpoint: { readonly url: string; readonly server: Server } | undefined;
/** Invocations of the worker through Lambda's Invoke route, by payload. */
const invocations: unknown[] = [];

/**
 * Lambda's `POST /2015-03-31/functions/{name}/invocations` on 127.0.0.1, for the worker only: the payload
 * goes to the bundled worker's handler, its result (or its error, as Lambda reports one) comes back.
 */
async function startInvokeEndpoint(): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const payload = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
      invocations.push(payload);
      const worker = /\/functions\/WorkerFunction\/invocations$/.test(request.url ?? '')
        ? bundles.worker
        : undefined;
      const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        response.writeHead(status, { 'content-type': 'application/json', ...headers });
        response.end(JSON.stringify(body));
      };
      if (!worker)
        return answer(
          404,
          { message: 'Function not found' },
          { 'x-amzn-errortype': 'ResourceNotFoundException' },
        );
      worker(payload, context).then(
        (result) => answer(200, result),
        (error: Error) =>
          answer(
            200,
            { errorType: error.name, errorMessage: error.message },
            { 'x-amz-function-error': 'Unhandled' },
          ),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server };
}

describe('the bundled Lambda functions', () => {
  it('run a workflow: API submission, worker batches from the queue, API result, EMF metrics', async () => {
    emitted.length = 0;
    const submitted = await api('POST', '/workflows/greet/runs', { input: { name: 'lambda' } });
    expect(submitted.statusCode).toBe(201);
    const { runId } = JSON.parse(submitted.body) as { runId: string };
    const run = await runToEnd('greet', runId);
    expect(run).toMatchObject({ status: 'succeeded', tasks: { world: { output: 'hello lambda!' } } });
    const names = new Set(emitted.flatMap((doc) => Object.keys(doc)));
    for (const metric of [
      'CasAttempts',
      'SchedulingLatency',
      'TaskDuration',
      'RunDuration',
      'RunsSucceeded',
    ]) {
      expect(names).toContain(metric);
    }
    expect(emitted.every((doc) => doc.service === 'weft')).toBe(true);
  });

  it('answer a submission with ?wait= with the final run, the API function polling the table', async () => {
    const answering = api('POST', '/workflows/greet/runs', { input: { name: 'waiter' } }, { wait: '20' });
    let answered = false;
    void answering.then(() => {
      answered = true;
    });
    // the event source mapping meanwhile: the worker runs the tasks while the API function waits
    while (!answered) {
      await pollOnce();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const answer = await answering;
    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({
      workflow: 'greet',
      status: 'succeeded',
      tasks: { world: { output: 'hello waiter!' } },
    });
  });

  it('run a mode: sync submission in the worker, invoked by the API function, which answers at the critical path', async () => {
    invocations.length = 0;
    const answer = await api('POST', '/workflows/sync_greet/runs', { input: { name: 'sync' } });
    expect(answer.statusCode).toBe(200);
    const body = JSON.parse(answer.body) as { runId: string };
    expect(body).toMatchObject({
      status: 'running',
      tasks: { world: { status: 'succeeded', output: 'hello sync!' } },
      answered: { pending: ['later'] },
    });
    expect(invocations).toEqual([
      {
        weft: 'run',
        request: { workflow: 'sync_greet', input: { name: 'sync' }, runId: body.runId },
        waitMs: 25_000,
      },
    ]);
    // the async task went to the queue, for the event source mapping
    expect(await runToEnd('sync_greet', body.runId)).toMatchObject({
      status: 'succeeded',
      tasks: { later: { output: 'waited' } },
    });
  });

  it('run an isolation: thread task in a worker thread of the worker, from the handlers bundled apart', async () => {
    const submitted = await api('POST', '/workflows/crunch/runs', { input: { n: 3 } });
    const { runId } = JSON.parse(submitted.body) as { runId: string };
    const run = await runToEnd('crunch', runId);
    expect(run).toMatchObject({
      status: 'succeeded',
      tasks: { crunch: { output: { thread: true, input: { n: 3 } } } },
    });
  });

  it('start a run from a rule delivery, once per event id', async () => {
    const delivery = {
      weft: { workflow: 'on_order', trigger: 0 },
      event: {
        id: `evt-${suffix}`,
        source: 'shop',
        'detail-type': 'Order Placed',
        detail: { id: 'o-1', total: 5 },
      },
    };
    const trigger = bundles.trigger as Handler;
    const [first] = (await trigger(delivery)) as { runId: string; created: boolean }[];
    const [again] = (await trigger(delivery)) as { runId: string; created: boolean }[];
    expect(first?.created).toBe(true);
    expect(again).toEqual({ ...first, created: false });
    const run = await runToEnd('on_order', String(first?.runId));
    expect(run).toMatchObject({ status: 'succeeded', input: { order: 'o-1' } });
  });

  it('drop a delivery that can never start a run instead of failing it', async () => {
    const trigger = bundles.trigger as Handler;
    expect(await trigger({ weft: { workflow: 'gone', trigger: 0 }, event: { id: 'e' } })).toEqual([]);
    expect(await trigger({ source: 'no id' })).toEqual([]);
    expect(logged.filter((line) => line.message === 'event dropped')).toEqual([
      expect.objectContaining({ level: 'ERROR', component: 'trigger', code: 'workflow.unknown' }),
      expect.objectContaining({ level: 'ERROR', component: 'trigger', code: 'trigger.invalidEvent' }),
    ]);
  });

  it('run the recovery pass', async () => {
    const report = (await bundles.reaper?.({})) as Record<string, number>;
    expect(Object.keys(report).sort()).toEqual(['expiredLeases', 'finalised', 'redispatched', 'runs']);
  });
});
