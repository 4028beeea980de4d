import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { nextLamport } from '../engine/claim.ts';
import type { QueueMessage } from '../engine/types.ts';
import { runHistory, runView } from '../engine/views.ts';
import { parseTaskMessage, SqsTaskQueue } from '../queue/sqs-task-queue.ts';
import type { TaskQueue } from '../queue/task-queue.ts';
import { DynamoDbRunStore } from '../store/dynamodb-run-store.ts';
import type { RunStore } from '../store/run-store.ts';
import type { Plan } from '../workflow/plan.ts';
import { completeByToken, heartbeatByToken } from './complete-callback.ts';
import { handleDeadline } from './deadline.ts';
import type { FaultPoint, FaultSite, HandleOptions, LambdaInvoker, RuntimeDeps } from './deps.ts';
import { executeCompensation } from './execute-compensation.ts';
import { executeTask } from './execute-task.ts';
import { lambdaInvoker } from './lambda-invoker.ts';
import { type EngineLogger, type EngineMetrics, noopMetrics, silentLogger } from './metrics.ts';
import { planFor } from './plans.ts';
import { recover } from './recover.ts';
import { type RecoverySettings, recoverySettings } from './recovery-settings.ts';
import { redriveRun, rollbackRun } from './redrive.ts';
import { driveRollback, stopRun } from './rollback.ts';
import { submitRun } from './submit.ts';
import { runAndAnswer } from './sync-run.ts';
import type { HandlerRegistry, PlanCatalog, Runtime, RunView } from './types.ts';

/** The ceiling of an attempt of a task without `timeout`, unless a runtime says otherwise. */
export const DEFAULT_TASK_TIMEOUT_MS = 60 * 60 * 1000;

/** What every runtime is built from, whatever its store and queue. */
export interface RuntimeConfig {
  /** Current plans; a run's pinned plan is stored at submit and read back by version. */
  readonly plans: PlanCatalog;
  /** Export name -> function. */
  readonly handlers: HandlerRegistry;
  /** This process's identity in leases; default `${hostname}/${pid}/${random}`. */
  readonly owner?: string;
  /** Local: lets recovery take over a dead process's attempts at once. */
  readonly isOwnerAlive?: (owner: string) => boolean | Promise<boolean>;
  /**
   * Whether this process takes on a task it was sent; one it declines is left claimable for a process
   * that has its handler (local processes sharing a state dir). Default: every task.
   */
  readonly accepts?: (plan: Plan, taskId: string, kind: 'task' | 'compensate') => boolean;
  /**
   * Dependents one checkpoint continues in this worker at most (eager continuation), unless a message's
   * handling says otherwise. Default 4; 0 sends every ready dependent through the queue.
   */
  readonly continuations?: number;
  /** Default: no-op. */
  readonly metrics?: EngineMetrics;
  /** Default: silent. */
  readonly logger?: EngineLogger;
  /** Epoch ms. */
  readonly now?: () => number;
  /** TTL on finished runs, default 30. */
  readonly retentionDays?: number;
  /**
   * The recovery pass: how long a recorded dispatch may wait before it is sent again (default 2 minutes,
   * for SQS; the embedded backend uses 1 s), runs per pass (500), dispatches per run per pass (1,000).
   */
  readonly recovery?: Partial<RecoverySettings>;
  /** Aborts every running attempt's signal (process shutdown). */
  readonly shutdown?: AbortSignal;
  /** Stops claiming new work (a graceful shutdown's start); running attempts go on until `shutdown`. */
  readonly draining?: AbortSignal;
  /** The longest attempt of a task without `timeout`; default 1 hour (on AWS: the worker's timeout less 10 s). */
  readonly defaultTaskTimeoutMs?: number;
  /**
   * Test-only crash injection: a throw at a point simulates the process dying there.
   * @internal
   */
  readonly faults?: (point: FaultPoint, site: FaultSite) => void;
  /** Test-only source of jitter, in [0, 1). @internal */
  readonly random?: () => number;
}

export interface AwsRuntimeConfig extends RuntimeConfig {
  readonly dynamodb: DynamoDBClient;
  readonly sqs: SQSClient;
  readonly tableName: string;
  readonly queueUrl: string;
  /** Invokes tasks declared with `lambda:`. */
  readonly lambda?: LambdaClient;
}

/**
 * The weft runtime on DynamoDB and SQS: the use cases every entry point calls (the Lambda worker, API and
 * reaper, and the local commands with `--backend aws` or `emulators`).
 *
 * @example
 * const runtime = createAwsRuntime({ dynamodb, sqs, tableName: 'weft', queueUrl, plans, handlers });
 * const { runId } = await runtime.submit({ workflow: 'loan_approval', input: { amount: 5000 } });
 */
export function createAwsRuntime(config: AwsRuntimeConfig): Runtime {
  const metrics = config.metrics ?? noopMetrics;
  return createRuntime({
    ...config,
    metrics,
    store: new DynamoDbRunStore(config.dynamodb, config.tableName, metrics),
    queue: new SqsTaskQueue(config.sqs, config.queueUrl),
    ...(config.lambda ? { invokeLambda: lambdaInvoker(config.lambda) } : {}),
  });
}

/**
 * The runtime over any store and queue adapter: DynamoDB + SQS, or the embedded SQLite store with its
 * in-process queue.
 *
 * @example
 * const runtime = createRuntime({ store, queue, plans, handlers });
 */
export function createRuntime(
  config: RuntimeConfig & { store: RunStore; queue: TaskQueue; invokeLambda?: LambdaInvoker },
): Runtime {
  const deps: RuntimeDeps = {
    store: config.store,
    queue: config.queue,
    plans: config.plans,
    handlers: config.handlers,
    owner: config.owner ?? `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`,
    ...(config.isOwnerAlive ? { isOwnerAlive: config.isOwnerAlive } : {}),
    ...(config.accepts ? { accepts: config.accepts } : {}),
    ...(config.continuations === undefined ? {} : { continuations: config.continuations }),
    ...(config.invokeLambda ? { invokeLambda: config.invokeLambda } : {}),
    metrics: config.metrics ?? noopMetrics,
    logger: config.logger ?? silentLogger,
    now: config.now ?? Date.now,
    random: config.random ?? Math.random,
    retentionMs: (config.retentionDays ?? 30) * 24 * 60 * 60 * 1000,
    recovery: recoverySettings(config.recovery),
    ...(config.faults ? { faults: config.faults } : {}),
    planCache: new Map(),
    shutdown: config.shutdown ?? new AbortController().signal,
    ...(config.draining ? { draining: config.draining } : {}),
    defaultTimeoutMs: config.defaultTaskTimeoutMs ?? DEFAULT_TASK_TIMEOUT_MS,
  };
  return runtimeFromDeps(deps);
}

/** Handles one queue message with `deps` (the runtime's own, or a sync run's lane). */
async function handleWith(deps: RuntimeDeps, message: QueueMessage, options: HandleOptions): Promise<void> {
  // stopping: the message stays in the store's hands (its task claimable), for the next process
  if (deps.draining?.aborted) return;
  if (message.kind === 'deadline') await handleDeadline(deps, message);
  else if (message.kind === 'compensate') await executeCompensation(deps, message);
  else await executeTask(deps, message, options);
}

/** The runtime over any store and queue (the deps object); `createAwsRuntime` wires the AWS adapters. */
export function runtimeFromDeps(deps: RuntimeDeps): Runtime {
  const view = async (runId: string): Promise<RunView | undefined> => {
    const state = await deps.store.loadRun(runId);
    if (!state) return undefined;
    const plan = await planFor(deps, state.run.workflow, state.run.planVersion);
    return runView(plan, state.run, state.tasks);
  };
  const handle = (message: QueueMessage, options: HandleOptions = {}): Promise<void> =>
    handleWith(deps, message, options);
  return {
    submit: (request) => submitRun(deps, request),
    run: (request, options) => runAndAnswer(deps, handleWith, view, request, options),
    handleMessage: async (body, options) => {
      const message = parseTaskMessage(body);
      if (!message) {
        deps.logger.warn('not a weft task message; dropped', { body: body.slice(0, 200) });
        return;
      }
      await handle(message, options);
    },
    handle,
    recover: (options) => recover(deps, options),
    cancel: async (runId) => {
      const run = await deps.store.getRun(runId);
      if (!run) return undefined;
      if (run.status === 'running' || run.status === 'paused') {
        const error = { name: 'RunCancelled', message: 'the run was cancelled on request' };
        await stopRun(deps, runId, 'cancelled', error, nextLamport(run.lamport));
      } else if (run.status === 'compensating') {
        await driveRollback(deps, runId);
      }
      return view(runId);
    },
    getRun: view,
    workflowOf: async (runId) => (await deps.store.getRun(runId))?.workflow,
    history: async (runId) => {
      const state = await deps.store.loadRun(runId);
      return state ? runHistory(state.run, state.tasks) : undefined;
    },
    redrive: (runId, request) => redriveRun(deps, runId, request),
    rollback: (runId) => rollbackRun(deps, runId),
    completeCallback: (token, request) => completeByToken(deps, token, request),
    heartbeatCallback: (token) => heartbeatByToken(deps, token),
  };
}
