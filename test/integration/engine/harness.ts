/**
 * A small engine test bench over real HTTP: a fresh table and queue per test, a runtime per simulated
 * process, and a driver that polls SQS and calls `handleMessage` with some concurrency, as the Lambda
 * event source mapping would.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteMessageCommand,
  type Message,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import {
  type AwsRuntimeConfig,
  createAwsRuntime,
  ensureQueue,
  ensureTable,
} from '../../../src/runtime/index.ts';
import type { HandlerRegistry, PlanCatalog, Runtime, RunView } from '../../../src/runtime/types.ts';
import { loadPlan } from '../../../src/workflow/index.ts';
import type { Plan } from '../../../src/workflow/plan.ts';

export interface Endpoints {
  readonly dynamodb: string;
  readonly sqs: string;
}

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/** Compiles a workflow written inline. */
export function plan(yaml: string): Plan {
  return loadPlan(yaml, 'test.yaml');
}

export function catalog(...plans: Plan[]): PlanCatalog {
  return { byName: (name) => plans.find((p) => p.name === name), list: () => plans };
}

export interface Bench {
  readonly dynamodb: DynamoDBClient;
  readonly sqs: SQSClient;
  readonly tableName: string;
  readonly queueUrl: string;
  /** A runtime standing for one process. */
  runtime(overrides?: Partial<AwsRuntimeConfig>): Runtime;
  /** Deletes every message in the queue: whatever SQS held is gone. */
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
}

export async function createBench(
  endpoints: Endpoints,
  plans: PlanCatalog,
  handlers: HandlerRegistry,
): Promise<Bench> {
  const dynamodb = new DynamoDBClient({ endpoint: endpoints.dynamodb, region: 'us-east-1', credentials });
  const sqs = new SQSClient({ endpoint: endpoints.sqs, region: 'us-east-1', credentials });
  const suffix = randomUUID().slice(0, 8);
  const tableName = `weft-test-${suffix}`;
  await ensureTable(dynamodb, tableName);
  const { queueUrl } = await ensureQueue(sqs, `weft-test-${suffix}`);
  const bench: Bench = {
    dynamodb,
    sqs,
    tableName,
    queueUrl,
    runtime: (overrides = {}) =>
      createAwsRuntime({ dynamodb, sqs, tableName, queueUrl, plans, handlers, ...overrides }),
    purge: async () => {
      await sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));
    },
    drive: (runtime, until, options = {}) => drive(sqs, queueUrl, runtime, until, options),
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
  sqs: SQSClient,
  queueUrl: string,
  runtime: Runtime,
  until: () => Promise<boolean>,
  options: DriveOptions,
): Promise<number> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let crashed = 0;
  let done = false;
  const handle = async (message: Message) => {
    try {
      const body = message.Body ?? '';
      await Promise.all([runtime.handleMessage(body), options.twin?.handleMessage(body)]);
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
    } catch {
      // a crash: the message stays invisible until its timeout, as after a dead Lambda
      crashed += 1;
    }
  };
  const worker = async () => {
    while (!done && Date.now() < deadline) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }),
      );
      if (Messages.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      await Promise.all(Messages.map(handle));
    }
  };
  const watcher = async () => {
    while (!done) {
      if (await until()) done = true;
      else if (Date.now() >= deadline) throw new Error('drive: the condition did not hold in time');
      else await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };
  const workers = Array.from({ length: options.concurrency ?? 4 }, worker);
  try {
    await watcher();
  } finally {
    done = true;
    await Promise.all(workers);
  }
  return crashed;
}
