import type { EngineMetrics } from '../runtime/metrics.ts';
import type { RecoverySettings } from '../runtime/recovery-settings.ts';
import type { HandlerRegistry } from '../runtime/types.ts';
import type { Plan } from '../workflow/plan.ts';
import { openAwsBackend } from './aws-backend.ts';
import type { BackendName, LocalBackend, SqliteSynchronous } from './backend.ts';
import { openSqliteBackend } from './sqlite-backend.ts';
import { openLocalStack } from './stack.ts';

export interface OpenBackendOptions {
  /** Default `sqlite`. */
  readonly backend?: BackendName;
  /** Where `sqlite` keeps its database and `emulators` their files. */
  readonly stateDir: string;
  readonly plans: readonly Plan[];
  readonly handlers: HandlerRegistry;
  /** `sqlite` only. Default `normal`. */
  readonly synchronous?: SqliteSynchronous;
  /** Task messages handled at once. */
  readonly concurrency?: number;
  /** `emulators` and `aws`: this DynamoDB / SQS instead of the embedded one or the SDK's default. */
  readonly dynamodbEndpoint?: string;
  readonly sqsEndpoint?: string;
  /** `aws` only: table and queue names, default `weft` and `weft-tasks`. */
  readonly tableName?: string;
  readonly queueName?: string;
  readonly recoveryIntervalMs?: number;
  /** The recovery pass's grace and bounds (default: 1 s grace on `sqlite`, 2 minutes on the others). */
  readonly recovery?: Partial<RecoverySettings>;
  /** `sqlite` only: counts store operations (the benchmark). */
  readonly metrics?: EngineMetrics;
  /** Start executing tasks at once. Default false: call `startWorker()` when ready. */
  readonly worker?: boolean;
  readonly onError?: (error: unknown) => void;
}

/**
 * Opens the backend a local command or the programmatic API runs on.
 *
 * @example
 * const backend = await openBackend({ stateDir: '.weft', plans, handlers, worker: true });
 */
export async function openBackend(options: OpenBackendOptions): Promise<LocalBackend> {
  const backend = await open(options);
  if (options.worker) backend.startWorker();
  return backend;
}

function open(options: OpenBackendOptions): Promise<LocalBackend> {
  const common = {
    plans: options.plans,
    handlers: options.handlers,
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    ...(options.recoveryIntervalMs === undefined ? {} : { recoveryIntervalMs: options.recoveryIntervalMs }),
    ...(options.recovery === undefined ? {} : { recovery: options.recovery }),
    ...(options.onError === undefined ? {} : { onError: options.onError }),
  };
  const endpoints = {
    ...(options.dynamodbEndpoint === undefined ? {} : { dynamodbEndpoint: options.dynamodbEndpoint }),
    ...(options.sqsEndpoint === undefined ? {} : { sqsEndpoint: options.sqsEndpoint }),
  };
  switch (options.backend ?? 'sqlite') {
    case 'sqlite':
      return openSqliteBackend({
        ...common,
        stateDir: options.stateDir,
        ...(options.synchronous === undefined ? {} : { synchronous: options.synchronous }),
        ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
      });
    case 'emulators':
      return openLocalStack({ ...common, ...endpoints, stateDir: options.stateDir, worker: false });
    case 'aws':
      return openAwsBackend({
        ...common,
        ...endpoints,
        ...(options.tableName === undefined ? {} : { tableName: options.tableName }),
        ...(options.queueName === undefined ? {} : { queueName: options.queueName }),
      });
  }
}
