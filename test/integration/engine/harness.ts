/**
 * A small engine test bench over real HTTP: a fresh table and queue per test, a runtime per simulated
 * process, and a driver that polls SQS and calls `handleMessage` with some concurrency, as the Lambda
 * event source mapping would.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import {
  createAwsRuntime,
  createRuntime,
  ensureQueue,
  ensureTable,
  noopMetrics,
  type RuntimeConfig,
} from '../../../src/runtime/index.ts';
import type { HandlerRegistry, PlanCatalog, Runtime, RunView } from '../../../src/runtime/types.ts';
import { SqliteRunStore } from '../../../src/store/sqlite-run-store.ts';
import { loadPlan } from '../../../src/workflow/index.ts';
import type { Plan } from '../../../src/workflow/plan.ts';
import { MemoryTestQueue, sqsTestQueue, type TestQueue } from './test-queue.ts';

/** Where a bench keeps its runs: DynamoDB and SQS endpoints, or the embedded SQLite store. */
export type Endpoints =
  | { readonly kind?: 'dynamodb'; readonly dynamodb: string; readonly sqs: string }
  | { readonly kind: 'sqlite' };

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * The recovery grace of the bench's runtimes (unless a test sets its own): short, so a test that loses
 * every message waits a little past it before the pass that re-sends them, as a reaper would come later.
 */
export const RECOVERY_GRACE_MS = 100;

/** Waits until every dispatch recorded so far is older than the bench's grace. */
export function pastGrace(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, RECOVERY_GRACE_MS + 20));
}

/** Compiles a workflow written inline. */
export function plan(yaml: string): Plan {
  return loadPlan(yaml, 'test.yaml');
}

export function catalog(...plans: Plan[]): PlanCatalog {
  return { byName: (name) => plans.find((p) => p.name === name), list: () => plans };
}

export interface Bench {
  /** The DynamoDB client, on the DynamoDB backend (to count its requests). */
  readonly dynamodb?: DynamoDBClient;
  readonly queue: TestQueue;
  /** A runtime standing for one process (on SQLite, with its own connection to the bench's file). */
  runtime(overrides?: Partial<RuntimeConfig>): Runtime;
  /** Deletes every message in the queue: whatever it held is gone. */
  purge(): Promise<void>;
  /** Processes messages with `runtime` until `until` holds; returns the messages whose handling threw. */
  drive(runtime: Runtime, until: () => Promise<boolean>, options?: DriveOptions): Promise<number>;
  /** Drives until the run is final and returns it. */
  runToEnd(runtime: Runtime, runId: string, options?: DriveOptions): Promise<RunView>;
}

export interface DriveOptions {
  readonly concurrency?: number;
  readonly timeoutMs?: number;
  /** Another process that gets every message too, at the same time (an at-least-once delivery storm). */
  readonly twin?: Runtime;
  /** Runs `runtime`'s recovery pass this often meanwhile, as the reaper's schedule would. */
  readonly recoverEveryMs?: number;
}

/**
 * After a process `doomed` died: its messages gone, past the grace, a survivor that sees it dead recovers
 * and drives until every run of `runIds` succeeded. Returns the survivor.
 */
export async function survive(b: Bench, runIds: readonly string[]): Promise<Runtime> {
  await b.purge();
  await pastGrace();
  const survivor = b.runtime({ owner: 'survivor', isOwnerAlive: (owner) => owner !== 'doomed' });
  await survivor.recover();
  await b.drive(
    survivor,
    async () =>
      (await Promise.all(runIds.map((id) => survivor.getRun(id)))).every((v) => v?.status === 'succeeded'),
    { recoverEveryMs: 250 },
  );
  return survivor;
}

export async function createBench(
  endpoints: Endpoints,
  plans: PlanCatalog,
  handlers: HandlerRegistry,
): Promise<Bench> {
  let runtime: (overrides: Partial<RuntimeConfig>) => Runtime;
  let queue: TestQueue;
  let dynamodb: DynamoDBClient | undefined;
  if (endpoints.kind === 'sqlite') {
    const file = join(mkdtempSync(join(tmpdir(), 'weft-bench-')), 'weft.db');
    const memory = new MemoryTestQueue();
    queue = memory;
    runtime = (overrides) =>
      createRuntime({
        plans,
        handlers,
        recovery: { graceMs: RECOVERY_GRACE_MS },
        ...overrides,
        store: new SqliteRunStore(file, overrides.metrics ?? noopMetrics),
        queue: memory,
      });
  } else {
    const client = new DynamoDBClient({ endpoint: endpoints.dynamodb, region: 'us-east-1', credentials });
    const sqs = new SQSClient({ endpoint: endpoints.sqs, region: 'us-east-1', credentials });
    const suffix = randomUUID().slice(0, 8);
    const tableName = `weft-test-${suffix}`;
    await ensureTable(client, tableName);
    const { queueUrl } = await ensureQueue(sqs, `weft-test-${suffix}`);
    dynamodb = client;
    queue = sqsTestQueue(sqs, queueUrl);
    runtime = (overrides) =>
      createAwsRuntime({
        ...{ dynamodb: client, sqs, tableName, queueUrl, plans, handlers },
        recovery: { graceMs: RECOVERY_GRACE_MS },
        ...overrides,
      });
  }
  const bench: Bench = {
    ...(dynamodb ? { dynamodb } : {}),
    queue,
    runtime: (overrides = {}) => runtime(overrides),
    purge: () => queue.purge(),
    drive: (runtime, until, options = {}) => drive(queue, runtime, until, options),
    runToEnd: async (runtime, runId, options = {}) => {
      let view: RunView | undefined;
      await bench.drive(
        runtime,
        async () => {
          view = await runtime.getRun(runId);
          return isFinal(view);
        },
        options,
      );
      if (!view) throw new Error(`run ${runId} not found`);
      return view;
    },
  };
  return bench;
}

export function isFinal(view: RunView | undefined): boolean {
  return view !== undefined && ['succeeded', 'failed', 'cancelled'].includes(view.status);
}

async function drive(
  queue: TestQueue,
  runtime: Runtime,
  until: () => Promise<boolean>,
  options: DriveOptions,
): Promise<number> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let crashed = 0;
  let done = false;
  const handle = async (message: { body: string; handle: string }) => {
    try {
      await Promise.all([runtime.handleMessage(message.body), options.twin?.handleMessage(message.body)]);
      await queue.delete(message.handle);
    } catch {
      // a crash: the message stays invisible until its timeout, as after a dead Lambda
      crashed += 1;
    }
  };
  const worker = async () => {
    while (!done && Date.now() < deadline) {
      const messages = await queue.receive(10, 60);
      if (messages.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      await Promise.all(messages.map(handle));
    }
  };
  const reaper = async () => {
    const every = options.recoverEveryMs;
    while (every !== undefined && !done) {
      await new Promise((resolve) => setTimeout(resolve, every));
      if (!done) await runtime.recover();
    }
  };
  const watcher = async () => {
    while (!done) {
      if (await until()) done = true;
      else if (Date.now() >= deadline) throw new Error('drive: the condition did not hold in time');
      else await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };
  const workers = [...Array.from({ length: options.concurrency ?? 4 }, worker), reaper()];
  try {
    await watcher();
  } finally {
    done = true;
    await Promise.all(workers);
  }
  return crashed;
}
