import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { UserInputError } from '../errors.ts';
import {
  createLogger,
  createMetrics,
  PowertoolsEngineMetrics,
  type StructuredLogger,
  structuredLogger,
} from '../observability/index.ts';
import { planCatalog } from '../runtime/catalog.ts';
import { createAwsRuntime } from '../runtime/index.ts';
import type { HandlerRegistry, PlanCatalog, Runtime } from '../runtime/types.ts';
import type { Plan } from '../workflow/plan.ts';
import type { LambdaEnv } from './env.ts';
import { runThroughWorker } from './sync-invoke.ts';

/** What every weft function builds once per cold start. */
export interface LambdaDeps {
  readonly runtime: Runtime;
  readonly plans: PlanCatalog;
  readonly metrics: Metrics;
  readonly logger: StructuredLogger;
  /** The Powertools Logger behind `logger`, which takes each invocation's Lambda context. */
  readonly powertoolsLogger: Logger;
}

export interface LambdaDepsOptions {
  /** `api`, `worker`, `reaper` or `trigger`: the `component` key of every log line. */
  readonly role: string;
  readonly env: LambdaEnv;
  readonly plans: readonly Plan[];
  /** The bundled handlers module (the worker's); other functions run no task code. */
  readonly handlers?: HandlerRegistry;
}

/**
 * Creates the SDK clients, logger, metrics and runtime a function needs. Called at module scope in
 * functions/*.ts, so clients and connections are reused across invocations.
 */
export function createLambdaDeps(options: LambdaDepsOptions): LambdaDeps {
  const metrics = createMetrics();
  const powertoolsLogger = createLogger(options.role);
  const logger = structuredLogger(powertoolsLogger);
  const plans = planCatalog(options.plans);
  const invokesLambdas = options.plans.some((plan) => Object.values(plan.tasks).some((task) => task.lambda));
  // the API function has a sync workflow's submissions run by the worker (it has the handlers)
  if (options.role === 'api' && !options.env.workerFunction && options.plans.some((p) => p.mode === 'sync')) {
    throw new UserInputError(
      'lambda.config',
      'invalid function configuration: WORKER_FUNCTION must name the worker function, which runs the mode: sync workflows (set by the CDK construct)',
    );
  }
  const runsThroughWorker = options.handlers === undefined ? options.env.workerFunction : undefined;
  const lambda = invokesLambdas || runsThroughWorker ? new LambdaClient({}) : undefined;
  const base = createAwsRuntime({
    dynamodb: new DynamoDBClient({}),
    sqs: new SQSClient({}),
    ...(invokesLambdas && lambda ? { lambda } : {}),
    tableName: options.env.tableName,
    queueUrl: options.env.queueUrl,
    plans,
    handlers: options.handlers ?? {},
    metrics: new PowertoolsEngineMetrics(metrics),
    logger,
    retentionDays: options.env.retentionDays,
    ...(options.env.taskCeilingMs === undefined ? {} : { defaultTaskTimeoutMs: options.env.taskCeilingMs }),
  });
  const runtime: Runtime =
    runsThroughWorker && lambda
      ? { ...base, run: runThroughWorker(base, plans, lambda, runsThroughWorker, logger) }
      : base;
  return { runtime, plans, metrics, logger, powertoolsLogger };
}

/**
 * Wraps a Lambda handler: each invocation's log lines carry its request id, function name and cold start,
 * and the metrics buffered during it are published when it ends, even when it throws.
 *
 * @example
 * export const handler = withTelemetry(deps, createApiHandler(deps));
 */
export function withTelemetry<E, R>(
  deps: Pick<LambdaDeps, 'metrics' | 'powertoolsLogger'>,
  handler: (event: E, context: Context) => Promise<R>,
): (event: E, context: Context) => Promise<R> {
  return async (event, context) => {
    if (context !== undefined) deps.powertoolsLogger.addContext(context);
    try {
      return await handler(event, context);
    } finally {
      if (deps.metrics.hasStoredMetrics()) deps.metrics.publishStoredMetrics();
    }
  };
}
