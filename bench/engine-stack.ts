/**
 * The engine benchmark's stack, all in this process: dynalite (in memory) and fauxqs on 127.0.0.1, SDK
 * clients instrumented by the request counter, weft's table and queue, a runtime from `createAwsRuntime`
 * and the local poller standing in for Lambda's SQS event source mapping (with its own SQS client when
 * routed to a receive endpoint of its own).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { type Poller, startPoller } from '../src/local/poller.ts';
import {
  createAwsRuntime,
  type EngineMetrics,
  ensureQueue,
  ensureTable,
  type HandlerRegistry,
  type PlanCatalog,
  type Runtime,
} from '../src/runtime/index.ts';
import type { Plan } from '../src/workflow/plan.ts';
import { type EmulatorHost, startEmulatorsInChild, startEmulatorsInProcess } from './emulator-host.ts';
import { RequestCounter } from './request-counter.ts';

/** What the engine reports while the benchmark measures. */
export interface Observed {
  /** Scheduling latencies (ms) from the engine's `EngineMetrics.schedulingLatency` hook. */
  readonly latencies: number[];
  /** Finished runs by status. */
  readonly runsFinished: Map<string, number>;
  /** Each finished run's time from creation to its end (ms), as the engine's `runFinished` hook reports it. */
  readonly runDurations: number[];
  /** Conditional writes by the engine's transition kind (`claim`, `checkpoint`, `edge`, ...). */
  readonly casAttempts: Map<string, number>;
  /** Conditional writes refused, by kind. */
  readonly casConflicts: Map<string, number>;
  /** Called on every finished run, whatever its status. */
  onRunFinished?: () => void;
}

export interface EngineStack {
  readonly runtime: Runtime;
  /**
   * Dependents one checkpoint continues in the worker (passed to every `handleMessage`); undefined: the
   * engine's default (4). 0 sends every ready dependent through SQS, the hop before eager continuation.
   */
  maxContinuations: number | undefined;
  readonly counter: RequestCounter;
  readonly emulators: EmulatorHost;
  readonly observed: Observed;
  /** Messages the poller failed to process (a handler threw): there should be none. */
  readonly errors: unknown[];
  close(): Promise<void>;
}

export interface EngineStackOptions {
  readonly plans: readonly Plan[];
  readonly handlers: HandlerRegistry;
  /** Messages the poller processes at once. */
  readonly workers: number;
  /**
   * Messages per batch, as the deployed event source mapping's `batchSize` (default 10): the poller receives
   * that many at a time, runs `workers / batchSize` batches at once and deletes each batch's successes
   * together. 0: one message per slot, each deleted on its own (the poller's default outside the benches).
   */
  readonly batchSize?: number;
  /** Where dynalite and fauxqs run: this process (as `weft run` does), or a child process of their own. */
  readonly emulators: 'process' | 'child';
  /**
   * Puts something between the SDK clients and the emulators (the delaying proxies): given the started
   * emulators, returns the host whose endpoints the clients use; its `close` closes both.
   */
  readonly route?: (emulators: EmulatorHost) => Promise<RoutedHost>;
}

/** The endpoints the clients use, in front of the emulators. */
export interface RoutedHost extends EmulatorHost {
  /**
   * Where the poller (Lambda's event source mapping) receives and deletes, when not at `sqsEndpoint`
   * (the engine's sends): a proxy of its own lets the receive-to-handler leg be delayed apart.
   */
  readonly receiveEndpoint?: string;
}

const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };

/** The deployed worker's event source mapping: batches of ten (infra/orchestrator/settings.ts). */
const ESM_BATCH_SIZE = 10;

/** The poller's settings for `workers` messages at once in batches of `batchSize` (0: no batches). */
function pollerBatches(workers: number, batchSize: number): { concurrency: number; batchSize?: number } {
  if (batchSize <= 0) return { concurrency: workers };
  return { concurrency: Math.max(1, Math.ceil(workers / batchSize)), batchSize };
}

function increment(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** Engine metrics that record into `observed`. */
function recordingMetrics(observed: Observed): EngineMetrics {
  return {
    casAttempt: (kind) => increment(observed.casAttempts, kind),
    casConflict: (kind) => increment(observed.casConflicts, kind),
    schedulingLatency: (ms) => {
      observed.latencies.push(ms);
    },
    lockWait: () => {},
    taskFinished: () => {},
    runFinished: (status, durationMs) => {
      increment(observed.runsFinished, status);
      observed.runDurations.push(durationMs);
      observed.onRunFinished?.();
    },
    rollbackFinished: () => {},
  };
}

/** Starts the emulators (see {@link EmulatorHost}), the table, the queue, the runtime and the poller; counting starts paused. */
export async function startEngineStack(options: EngineStackOptions): Promise<EngineStack> {
  const started =
    options.emulators === 'child' ? await startEmulatorsInChild() : await startEmulatorsInProcess();
  let emulators: RoutedHost = started;
  try {
    if (options.route) emulators = await options.route(started);
  } catch (error) {
    await started.close();
    throw error;
  }
  const dynamodb = new DynamoDBClient({
    endpoint: emulators.dynamodbEndpoint,
    region: 'us-east-1',
    credentials,
  });
  const sqs = new SQSClient({ endpoint: emulators.sqsEndpoint, region: 'us-east-1', credentials });
  const receiveEndpoint = emulators.receiveEndpoint;
  const pollerSqs =
    receiveEndpoint === undefined
      ? sqs
      : new SQSClient({ endpoint: receiveEndpoint, region: 'us-east-1', credentials });
  const counter = new RequestCounter();
  counter.attach(dynamodb, 'dynamodb');
  counter.attach(sqs, 'sqs');
  if (pollerSqs !== sqs) counter.attach(pollerSqs, 'sqs');
  counter.measureCapacity(dynamodb);
  counter.pause();
  const tableName = 'weft-bench';
  await ensureTable(dynamodb, tableName);
  const { queueUrl } = await ensureQueue(sqs, 'weft-bench');
  const observed: Observed = {
    latencies: [],
    runsFinished: new Map(),
    runDurations: [],
    casAttempts: new Map(),
    casConflicts: new Map(),
  };
  const plans: PlanCatalog = {
    byName: (name) => options.plans.find((plan) => plan.name === name),
    list: () => options.plans,
  };
  const runtime = createAwsRuntime({
    dynamodb,
    sqs,
    tableName,
    queueUrl,
    plans,
    handlers: options.handlers,
    metrics: recordingMetrics(observed),
  });
  const errors: unknown[] = [];
  const stack: EngineStack = {
    runtime,
    maxContinuations: undefined,
    counter,
    emulators,
    observed,
    errors,
    async close() {
      await poller.stop();
      dynamodb.destroy();
      sqs.destroy();
      if (pollerSqs !== sqs) pollerSqs.destroy();
      await emulators.close();
    },
  };
  const poller: Poller = startPoller({
    sqs: pollerSqs,
    queueUrl,
    handle: (body) =>
      runtime.handleMessage(
        body,
        stack.maxContinuations === undefined ? {} : { maxContinuations: stack.maxContinuations },
      ),
    ...pollerBatches(options.workers, options.batchSize ?? ESM_BATCH_SIZE),
    onError: (error) => errors.push(error),
  });
  return stack;
}
