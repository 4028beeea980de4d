/**
 * The `wide` benchmark's two stacks, each built from weft's own pieces so the messages can be counted as the
 * worker receives them: the emulators (dynalite in memory, fauxqs, the SDK clients, the poller standing in
 * for Lambda's event source mapping) and the embedded backend (a SQLite file, the in-process queue). Both
 * run the recovery pass with `startReaper`, as the local backends do, or not at all.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startPoller } from '../src/local/poller.ts';
import { type Reaper, startReaper } from '../src/local/reaper.ts';
import { MemoryTaskQueue } from '../src/queue/memory-task-queue.ts';
import type { TaskQueue } from '../src/queue/task-queue.ts';
import {
  createAwsRuntime,
  createRuntime,
  type EngineMetrics,
  ensureQueue,
  ensureTable,
  noopMetrics,
  planCatalog,
  type RecoverySettings,
  type Runtime,
} from '../src/runtime/index.ts';
import type { HandlerRegistry } from '../src/runtime/types.ts';
import { SqliteRunStore } from '../src/store/sqlite-run-store.ts';
import type { Plan } from '../src/workflow/plan.ts';
import { startEmulatorsInProcess } from './emulator-host.ts';

export interface WideStackOptions {
  readonly plan: Plan;
  readonly handlers: HandlerRegistry;
  /** Messages handled at once. */
  readonly workers: number;
  /** The recovery pass's period; undefined: no pass at all. */
  readonly recoveryMs?: number;
  readonly recovery: Partial<RecoverySettings>;
}

/** What a stack counts while a run goes through it. */
export interface Tally {
  /** Task messages handed to the worker, by task. */
  readonly received: Map<string, number>;
  /** Conditional writes refused, by kind (a duplicate's claim is refused). */
  readonly conflicts: Map<string, number>;
  /** Conditional writes made (accepted or refused), by kind. */
  readonly writes: Map<string, number>;
  finished?: () => void;
}

export interface WideStack {
  readonly runtime: Runtime;
  readonly tally: Tally;
  /** Messages in the queue now: waiting, delayed and in flight. */
  queueDepth(): Promise<number>;
  /**
   * The largest depth the stack saw itself, at each send and delivery (the in-process queue: its work never
   * yields to a sampling timer); 0 where only sampling sees the queue.
   */
  observedPeak(): number;
  /** Stops the recovery pass, once the one under way has sent what it decided. */
  stopRecovery(): Promise<void>;
  close(): Promise<void>;
}

const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };

function tallyMetrics(tally: Tally): EngineMetrics {
  return {
    ...noopMetrics,
    casAttempt: (kind) => {
      tally.writes.set(kind, (tally.writes.get(kind) ?? 0) + 1);
    },
    casConflict: (kind) => {
      tally.conflicts.set(kind, (tally.conflicts.get(kind) ?? 0) + 1);
    },
    runFinished: () => tally.finished?.(),
  };
}

function newTally(): Tally {
  return { received: new Map(), conflicts: new Map(), writes: new Map() };
}

/** Counts a message by its task before the worker handles it. */
function receive(tally: Tally, body: string): void {
  const { taskId } = JSON.parse(body) as { taskId?: string };
  const key = taskId ?? '(deadline)';
  tally.received.set(key, (tally.received.get(key) ?? 0) + 1);
}

function reaperOf(
  runtime: Runtime,
  options: WideStackOptions,
  queueStartedEmpty: boolean,
): Reaper | undefined {
  if (options.recoveryMs === undefined) return undefined;
  return startReaper(runtime, options.recoveryMs, () => {}, { queueStartedEmpty });
}

/** dynalite, fauxqs, the SDK clients and the poller in this process. */
export async function startEmulatorsWide(options: WideStackOptions): Promise<WideStack> {
  const emulators = await startEmulatorsInProcess();
  const dynamodb = new DynamoDBClient({
    endpoint: emulators.dynamodbEndpoint,
    region: 'us-east-1',
    credentials,
  });
  const sqs = new SQSClient({ endpoint: emulators.sqsEndpoint, region: 'us-east-1', credentials });
  await ensureTable(dynamodb, 'weft-wide');
  const { queueUrl } = await ensureQueue(sqs, 'weft-wide');
  const tally = newTally();
  const runtime = createAwsRuntime({
    ...{ dynamodb, sqs, tableName: 'weft-wide', queueUrl, handlers: options.handlers },
    plans: planCatalog([options.plan]),
    metrics: tallyMetrics(tally),
    recovery: options.recovery,
  });
  const poller = startPoller({
    sqs,
    queueUrl,
    concurrency: options.workers,
    handle: (body) => {
      receive(tally, body);
      return runtime.handleMessage(body);
    },
  });
  // as on AWS: SQS outlives the reaper, so no first sweep re-sends everything
  const reaper = reaperOf(runtime, options, false);
  const attributes = [
    'ApproximateNumberOfMessages',
    'ApproximateNumberOfMessagesNotVisible',
    'ApproximateNumberOfMessagesDelayed',
  ] as const;
  return {
    runtime,
    tally,
    stopRecovery: async () => reaper?.stop(),
    observedPeak: () => 0,
    async queueDepth() {
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: [...attributes] }),
      );
      return attributes.reduce((sum, name) => sum + Number(Attributes[name] ?? 0), 0);
    },
    async close() {
      await reaper?.stop();
      await poller.stop();
      dynamodb.destroy();
      sqs.destroy();
      await emulators.close();
    },
  };
}

/** A SQLite file in the temp dir and the in-process queue, as `openSqliteBackend` puts them together. */
export async function startSqliteWide(options: WideStackOptions): Promise<WideStack> {
  const dir = await mkdtemp(join(tmpdir(), 'weft-bench-wide-'));
  const tally = newTally();
  const metrics = tallyMetrics(tally);
  const store = new SqliteRunStore(join(dir, 'weft.db'), metrics);
  const queue = new MemoryTaskQueue({ concurrency: options.workers });
  let peak = 0;
  const depth = () => queue.size.waiting + queue.size.inFlight;
  const observed: TaskQueue = {
    async send(entries) {
      await queue.send(entries);
      peak = Math.max(peak, depth());
    },
  };
  const runtime = createRuntime({
    store,
    queue: observed,
    plans: planCatalog([options.plan]),
    handlers: options.handlers,
    metrics,
    recovery: options.recovery,
  });
  queue.start((message) => {
    peak = Math.max(peak, depth());
    receive(tally, JSON.stringify(message));
    return runtime.handle(message);
  });
  // as the embedded backend: its queue starts empty with the process
  const reaper = reaperOf(runtime, options, true);
  return {
    runtime,
    tally,
    queueDepth: async () => depth(),
    stopRecovery: async () => reaper?.stop(),
    observedPeak: () => peak,
    async close() {
      await reaper?.stop();
      await queue.stop();
      await store.close();
    },
  };
}
