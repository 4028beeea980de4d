import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createAwsRuntime, noopMetrics, planCatalog, type RecoverySettings } from '../runtime/index.ts';
import type { HandlerRegistry, PlanCatalog, Runtime } from '../runtime/types.ts';
import { DynamoDbRunStore } from '../store/dynamodb-run-store.ts';
import type { Plan } from '../workflow/plan.ts';
import { type CloseOptions, drainThenStop } from './backend.ts';
import { isLocalOwnerAlive, localOwner, retireOwner } from './owner.ts';
import { startPoller } from './poller.ts';
import { startReaper } from './reaper.ts';

/** Where a local stack's table and queue are. */
export interface StackEndpoints {
  readonly dynamodbEndpoint: string;
  readonly sqsEndpoint: string;
  readonly tableName: string;
  readonly queueUrl: string;
}

/** What the runtime of a local stack is built from. */
export interface StackRuntimeOptions {
  readonly plans: readonly Plan[];
  readonly handlers: HandlerRegistry;
  readonly concurrency?: number;
  readonly recoveryIntervalMs?: number;
  /** The recovery pass's grace and bounds; default the deployment's (a 2-minute grace). */
  readonly recovery?: Partial<RecoverySettings>;
  /** The queue was created empty with this process (embedded fauxqs): the first sweep re-sends everything. */
  readonly queueStartedEmpty?: boolean;
  readonly onError?: (error: unknown) => void;
}

/** The runtime on a stack's endpoints, with a worker that starts on request. */
export interface StackRuntime extends StackEndpoints {
  readonly runtime: Runtime;
  readonly plans: PlanCatalog;
  /**
   * Starts executing tasks: the poller (the SQS event source mapping) and, with `reaper`, the recovery
   * pass now and every few seconds. Idempotent.
   */
  startWorker(reaper: boolean): void;
  /** The plan a run is pinned to, as stored in the table at submit. */
  loadPlan(workflow: string, version: string): Promise<Plan | undefined>;
  /** Stops the worker (running attempts get `graceMs`, then are abandoned) and the SDK clients. */
  close(options?: CloseOptions): Promise<void>;
}

/** SDK clients for local endpoints. */
export function localClients(endpoints: Pick<StackEndpoints, 'dynamodbEndpoint' | 'sqsEndpoint'>): {
  dynamodb: DynamoDBClient;
  sqs: SQSClient;
} {
  // The emulators accept any credentials; fixed ones keep the SDK from searching the AWS credential chain.
  const common = { region: 'us-east-1', credentials: { accessKeyId: 'weft', secretAccessKey: 'local' } };
  return {
    dynamodb: new DynamoDBClient({ ...common, endpoint: endpoints.dynamodbEndpoint }),
    sqs: new SQSClient({ ...common, endpoint: endpoints.sqsEndpoint }),
  };
}

/** Builds the engine's runtime on a stack's endpoints; nothing runs until `startWorker`. */
export function createStackRuntime(
  endpoints: StackEndpoints,
  clients: { readonly dynamodb: DynamoDBClient; readonly sqs: SQSClient },
  options: StackRuntimeOptions,
): StackRuntime {
  const onError = options.onError ?? (() => {});
  const plans = planCatalog(options.plans);
  const shutdown = new AbortController();
  const draining = new AbortController();
  const owner = localOwner();
  const runtime = createAwsRuntime({
    dynamodb: clients.dynamodb,
    sqs: clients.sqs,
    tableName: endpoints.tableName,
    queueUrl: endpoints.queueUrl,
    plans,
    handlers: options.handlers,
    owner,
    isOwnerAlive: isLocalOwnerAlive,
    shutdown: shutdown.signal,
    draining: draining.signal,
    ...(options.recovery === undefined ? {} : { recovery: options.recovery }),
  });
  const store = new DynamoDbRunStore(clients.dynamodb, endpoints.tableName, noopMetrics);
  const stops: (() => Promise<void>)[] = [];
  let working = false;
  return {
    ...endpoints,
    runtime,
    plans,
    startWorker(reaper) {
      if (working) return;
      working = true;
      const poller = startPoller({
        sqs: clients.sqs,
        queueUrl: endpoints.queueUrl,
        handle: (body) => runtime.handleMessage(body),
        onError,
        ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
      });
      stops.push(() => poller.stop());
      if (reaper) {
        const recovery = startReaper(runtime, options.recoveryIntervalMs ?? 2_000, onError, {
          queueStartedEmpty: options.queueStartedEmpty === true,
        });
        stops.unshift(() => recovery.stop());
      }
    },
    loadPlan: (workflow, version) => store.loadPlan(workflow, version),
    async close(closing: CloseOptions = {}) {
      // attempts still running after the grace are abandoned: the next process's recovery takes them over
      await drainThenStop(
        draining,
        shutdown,
        Promise.all(stops.map((stop) => stop())).then(() => {}),
        closing.graceMs ?? 0,
      );
      retireOwner(owner);
      clients.dynamodb.destroy();
      clients.sqs.destroy();
    },
  };
}
