import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import type { FunctionRole } from '../../../infra/orchestrator/settings.ts';
import { allowsCall, TABLE_GRANTS, type TableCall } from '../../../infra/orchestrator/table-grants.ts';
import { type ApiEvent, createApiHandler } from '../../../src/api/index.ts';
import type { RuntimeConfig } from '../../../src/runtime/aws-runtime.ts';
import { createTriggerHandler } from '../../../src/triggers/index.ts';
import { catalog, createBench, pastGrace, plan } from '../engine/harness.ts';

/**
 * Each function's runtime, on its own DynamoDB client that records every call, through the paths each
 * function takes on AWS: every API route, the worker's tasks, callbacks, compensations and redrives, the
 * reaper's pass, the trigger's deliveries. Every call must be one the function's grant allows (TABLE_GRANTS,
 * which the construct turns into its IAM policy): a call outside it would be AccessDenied once deployed.
 */
const grants = plan(`workflow:
  name: grants
  on_failure: pause
  tasks:
    - id: book
      compensation: unbook
    - id: wait
      deps: [book]
      callback: { timeout: 30s }
    - id: charge
      deps: [wait]
      retry_policy: { max_attempts: 1 }
`);
const triggered = plan(`workflow:
  name: triggered
  schedule: rate(1 day)
  on:
    - pattern: { source: [shop] }
  tasks:
    - id: book
`);

const parentFlow = plan(`workflow:
  name: parent_flow
  tasks:
    - id: kyc
      workflow: triggered
`);

const limited = plan(`workflow:
  name: limited
  timeout: 10m
  concurrency: { limit: 5 }
  tasks:
    - id: hold
      callback: { timeout: 1h }
`);

const ACTIONS: Record<string, TableCall['action']> = {
  Get: 'dynamodb:GetItem',
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Query: 'dynamodb:Query',
};

/** A partition key as the document client writes it, or marshalled. */
function keyValue(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  const marshalled = (value as { S?: unknown } | undefined)?.S;
  return typeof marshalled === 'string' ? marshalled : undefined;
}

function recordingClient(calls: (TableCall | string)[]): DynamoDBClient {
  const client = new DynamoDBClient({
    endpoint: inject('dynamodbEndpoint'),
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, Record<string, unknown> | string | undefined>;
      const verb = /^(Get|Put|Update|Query)(Item)?Command$/.exec(context.commandName ?? '')?.[1];
      const action = verb === undefined ? undefined : ACTIONS[verb];
      if (action === undefined) calls.push(String(context.commandName));
      else {
        const key = (input.Key ?? input.Item) as Record<string, unknown> | undefined;
        const values = input.ExpressionAttributeValues as Record<string, unknown> | undefined;
        const partitionKey = keyValue(key?.pk ?? values?.[':pk']);
        calls.push({
          action,
          ...(partitionKey === undefined ? {} : { partitionKey }),
          ...(typeof input.IndexName === 'string' ? { index: true } : {}),
        });
      }
      return next(args);
    },
    { step: 'initialize', name: 'weftRecordTableCalls' },
  );
  return client;
}

function post(rawPath: string, body?: unknown): ApiEvent {
  return {
    rawPath,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    requestContext: { http: { method: 'POST' }, requestId: 'req' },
  };
}

const get = (rawPath: string): ApiEvent => ({ rawPath, requestContext: { http: { method: 'GET' } } });

describe('the table grants of each function', () => {
  it('allow every call its runtime makes, through every path it takes', async () => {
    const plans = catalog(grants, triggered, parentFlow, limited);
    const handlers = {
      book: async (event: { input: unknown }) => {
        if ((event.input as { slow?: boolean }).slow)
          await new Promise((resolve) => setTimeout(resolve, 1500));
        return 'booked';
      },
      unbook: () => 'unbooked',
      charge: (event: { input: unknown }) => {
        if ((event.input as { card?: string }).card !== 'good') throw new Error('card declined');
        return 'charged';
      },
    };
    const bench = await createBench(
      { dynamodb: inject('dynamodbEndpoint'), sqs: inject('sqsEndpoint') },
      plans,
      handlers,
    );
    const calls: Record<FunctionRole, (TableCall | string)[]> = {
      api: [],
      worker: [],
      reaper: [],
      trigger: [],
    };
    const runtimeOf = (role: FunctionRole, overrides: Partial<RuntimeConfig> = {}) =>
      bench.runtime({ ...overrides, dynamodb: recordingClient(calls[role]) } as Partial<RuntimeConfig>);
    const worker = runtimeOf('worker');
    const api = createApiHandler({ runtime: runtimeOf('api'), plans });
    const observer = bench.runtime();
    const status = async (runId: string, task?: string) => {
      const view = await observer.getRun(runId);
      return task === undefined ? view?.status : view?.tasks[task]?.status;
    };
    const submit = async (input: unknown) => {
      const answer = await api(post('/workflows/grants/runs', { input }));
      expect(answer.statusCode).toBe(201);
      return String((JSON.parse(answer.body) as { runId: string }).runId);
    };
    const toPause = async (runId: string) => {
      await bench.drive(worker, async () => (await status(runId, 'wait')) === 'waiting');
      const token = (await observer.getRun(runId))?.tasks.wait?.callback?.token;
      expect((await api(post(`/callbacks/${token}/heartbeat`))).statusCode).toBe(200);
      expect((await api(post(`/callbacks/${token}`, { output: { ok: true } }))).statusCode).toBe(200);
      await bench.drive(worker, async () => (await status(runId)) === 'paused');
    };
    const run = (runId: string) => `/workflows/grants/runs/${runId}`;

    // redriven to success, read through every read route
    const redriven = await submit({ card: 'bad' });
    await toPause(redriven);
    expect((await api(post(`${run(redriven)}/redrive`, { input: { card: 'good' } }))).statusCode).toBe(200);
    await bench.drive(worker, async () => (await status(redriven)) === 'succeeded');
    for (const path of ['', '/history', '/tasks/book/output']) {
      expect((await api(get(`${run(redriven)}${path}`))).statusCode).toBe(200);
    }
    // rolled back: the compensations run
    const rolledBack = await submit({ card: 'bad' });
    await toPause(rolledBack);
    expect((await api(post(`${run(rolledBack)}/rollback`))).statusCode).toBe(200);
    await bench.drive(worker, async () => (await observer.getRun(rolledBack))?.rollback === 'completed');
    // cancelled while it waits for its callback
    const cancelled = await submit({});
    await bench.drive(worker, async () => (await status(cancelled, 'wait')) === 'waiting');
    expect((await api(post(`${run(cancelled)}/cancel`))).statusCode).toBe(200);
    await bench.drive(worker, async () => (await observer.getRun(cancelled))?.rollback === 'completed');
    // lost dispatches, re-sent by the reaper's pass
    const lost = await submit({});
    await bench.purge();
    await pastGrace();
    const report = await runtimeOf('reaper').recover();
    expect(report.redispatched).toBeGreaterThan(0);
    await bench.drive(worker, async () => (await status(lost, 'wait')) === 'waiting');
    // a lease that looks expired to a reaper an hour ahead: it takes the task over
    const slow = await submit({ slow: true });
    const driving = bench.drive(worker, async () => (await status(slow, 'wait')) === 'waiting');
    while ((await status(slow, 'book')) !== 'running')
      await new Promise((resolve) => setTimeout(resolve, 20));
    const later = runtimeOf('reaper', { now: () => Date.now() + 3_600_000 });
    expect((await later.recover()).expiredLeases).toBeGreaterThan(0);
    await driving;
    // a child workflow: the worker starts the child run (and stores its plan), the child answers its parent
    const parentAnswer = await api(post('/workflows/parent_flow/runs', { input: {} }));
    expect(parentAnswer.statusCode).toBe(201);
    const parentRun = String((JSON.parse(parentAnswer.body) as { runId: string }).runId);
    await bench.drive(worker, async () => (await status(parentRun)) === 'succeeded');
    // a concurrency limit: the worker takes the run's slot; the run's end gives it back where it is made:
    // the API's cancel, and the reaper's stop of a run past its timeout
    const limitedRun = async () => {
      const answer = await api(post('/workflows/limited/runs', { input: {} }));
      const runId = String((JSON.parse(answer.body) as { runId: string }).runId);
      await bench.drive(worker, async () => (await status(runId, 'hold')) === 'waiting');
      return runId;
    };
    const cancelledLimited = await limitedRun();
    expect((await api(post(`/workflows/limited/runs/${cancelledLimited}/cancel`))).statusCode).toBe(200);
    const timedOut = await limitedRun();
    await runtimeOf('reaper', { now: () => Date.now() + 3_600_000 }).recover();
    await bench.drive(worker, async () => (await status(timedOut)) === 'failed');
    // the trigger's deliveries: an event and a schedule, each twice
    const trigger = createTriggerHandler({ runtime: runtimeOf('trigger'), plans });
    for (const delivery of [
      {
        weft: { workflow: 'triggered', trigger: 0 },
        event: { id: 'evt-grants', source: 'shop', detail: {} },
      },
      {
        weft: { workflow: 'triggered', schedule: 'rate(1 day)' },
        event: { id: 'sched-grants', time: '2026-01-01T00:00:00Z' },
      },
    ]) {
      await trigger(delivery);
      await trigger(delivery);
    }

    for (const role of ['api', 'worker', 'reaper', 'trigger'] as const) {
      expect(calls[role].length, role).toBeGreaterThan(0);
      const refused = calls[role].filter(
        (call) => typeof call === 'string' || !allowsCall(TABLE_GRANTS[role], call),
      );
      expect(refused, `${role} made calls its grant does not allow`).toEqual([]);
    }
    // the grants are no wider than that: each statement was used
    for (const role of ['api', 'worker', 'reaper', 'trigger'] as const) {
      for (const grant of TABLE_GRANTS[role]) {
        const used = calls[role].some((call) => typeof call !== 'string' && allowsCall([grant], call));
        expect(used, `${role}: ${JSON.stringify(grant)} was never needed`).toBe(true);
      }
    }
  }, 120_000);
});
