import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { nextLamport } from '../engine/claim.ts';
import { runHistory, runView } from '../engine/views.ts';
import { parseTaskMessage, SqsTaskQueue } from '../queue/sqs-task-queue.ts';
import { DynamoDbRunStore } from '../store/dynamodb-run-store.ts';
import { handleDeadline } from './deadline.ts';
import type { FaultPoint, FaultSite, RuntimeDeps } from './deps.ts';
import { executeCompensation } from './execute-compensation.ts';
import { executeTask } from './execute-task.ts';
import { lambdaInvoker } from './lambda-invoker.ts';
import { type EngineLogger, type EngineMetrics, noopMetrics, silentLogger } from './metrics.ts';
import { planFor } from './plans.ts';
import { recover } from './recover.ts';
import { driveRollback, stopRun } from './rollback.ts';
import { submitRun } from './submit.ts';
import type { HandlerRegistry, PlanCatalog, Runtime, RunView } from './types.ts';

export interface AwsRuntimeConfig {
  readonly dynamodb: DynamoDBClient;
  readonly sqs: SQSClient;
  readonly tableName: string;
  readonly queueUrl: string;
  /** Current plans; a run's pinned plan is stored in the table at submit and read back by version. */
  readonly plans: PlanCatalog;
  /** Export name -> function. */
  readonly handlers: HandlerRegistry;
  /** Invokes tasks declared with `lambda:`. */
  readonly lambda?: LambdaClient;
  /** This process's identity in leases; default `${hostname}/${pid}/${random}`. */
  readonly owner?: string;
  /** Local: lets recovery take over a dead process's attempts at once. */
  readonly isOwnerAlive?: (owner: string) => boolean | Promise<boolean>;
  /** Default: no-op. */
  readonly metrics?: EngineMetrics;
  /** Default: silent. */
  readonly logger?: EngineLogger;
  /** Epoch ms. */
  readonly now?: () => number;
  /** TTL on finished runs, default 30. */
  readonly retentionDays?: number;
  /** Aborts every running attempt's signal (process shutdown). */
  readonly shutdown?: AbortSignal;
  /**
   * Test-only crash injection: a throw at a point simulates the process dying there.
   * @internal
   */
  readonly faults?: (point: FaultPoint, site: FaultSite) => void;
  /** Test-only source of jitter, in [0, 1). @internal */
  readonly random?: () => number;
}

/**
 * The weft runtime on DynamoDB and SQS: the use cases every entry point calls (the CLI's local stack, the
 * Lambda worker, API and reaper).
 *
 * @example
 * const runtime = createAwsRuntime({ dynamodb, sqs, tableName: 'weft', queueUrl, plans, handlers });
 * const { runId } = await runtime.submit({ workflow: 'loan_approval', input: { amount: 5000 } });
 */
export function createAwsRuntime(config: AwsRuntimeConfig): Runtime {
  const metrics = config.metrics ?? noopMetrics;
  const deps: RuntimeDeps = {
    store: new DynamoDbRunStore(config.dynamodb, config.tableName, metrics),
    queue: new SqsTaskQueue(config.sqs, config.queueUrl),
    plans: config.plans,
    handlers: config.handlers,
    owner: config.owner ?? `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`,
    ...(config.isOwnerAlive ? { isOwnerAlive: config.isOwnerAlive } : {}),
    ...(config.lambda ? { invokeLambda: lambdaInvoker(config.lambda) } : {}),
    metrics,
    logger: config.logger ?? silentLogger,
    now: config.now ?? Date.now,
    random: config.random ?? Math.random,
    retentionMs: (config.retentionDays ?? 30) * 24 * 60 * 60 * 1000,
    ...(config.faults ? { faults: config.faults } : {}),
    planCache: new Map(),
    shutdown: config.shutdown ?? new AbortController().signal,
  };
  return runtimeFromDeps(deps);
}

/** The runtime over any store and queue (the deps object); `createAwsRuntime` wires the AWS adapters. */
export function runtimeFromDeps(deps: RuntimeDeps): Runtime {
  const view = async (runId: string): Promise<RunView | undefined> => {
    const state = await deps.store.loadRun(runId);
    if (!state) return undefined;
    const plan = await planFor(deps, state.run.workflow, state.run.planVersion);
    return runView(plan, state.run, state.tasks);
  };
  return {
    submit: (request) => submitRun(deps, request),
    handleMessage: async (body) => {
      const message = parseTaskMessage(body);
      if (!message) {
        deps.logger.warn('not a weft task message; dropped', { body: body.slice(0, 200) });
        return;
      }
      if (message.kind === 'deadline') await handleDeadline(deps, message);
      else if (message.kind === 'compensate') await executeCompensation(deps, message);
      else await executeTask(deps, message);
    },
    recover: () => recover(deps),
    cancel: async (runId) => {
      const run = await deps.store.getRun(runId);
      if (!run) return undefined;
      if (run.status === 'running') {
        const error = { name: 'RunCancelled', message: 'the run was cancelled on request' };
        await stopRun(deps, runId, 'cancelled', error, nextLamport(run.lamport));
      } else if (run.status === 'compensating') {
        await driveRollback(deps, runId);
      }
      return view(runId);
    },
    getRun: view,
    history: async (runId) => {
      const state = await deps.store.loadRun(runId);
      return state ? runHistory(state.run, state.tasks) : undefined;
    },
  };
}
