import { Duration } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { UserInputError } from '../../src/errors.ts';
import type { Plan, PlannedTask } from '../../src/workflow/plan.ts';

/** The API stage's default route throttling (API Gateway's token bucket). */
export interface ApiThrottle {
  /** Steady requests per second. */
  readonly rateLimit: number;
  /** Requests allowed at once above the steady rate. */
  readonly burstLimit: number;
}

/** The weft functions, by role. */
export type FunctionRole = 'api' | 'worker' | 'reaper' | 'trigger';

/** Reserved concurrent executions per function; an absent one draws on the account's unreserved pool. */
export type ReservedConcurrency = Readonly<Partial<Record<FunctionRole, number>>>;

/** The orchestrator's tunables, as given or defaulted. */
export interface WeftSettings {
  readonly workerTimeout: Duration;
  readonly batchSize: number;
  readonly maxConcurrency: number;
  readonly workerMemorySize: number;
  readonly retentionDays: number;
  readonly logRetention: RetentionDays;
  readonly apiThrottle: ApiThrottle;
  readonly reservedConcurrency: ReservedConcurrency;
}

/** What `resolveSettings` reads: the orchestrator's props. */
export interface WeftSettingsInput extends Partial<Omit<WeftSettings, 'apiThrottle'>> {
  readonly plans: readonly Plan[];
  readonly apiThrottle?: Partial<ApiThrottle>;
}

/** An inclusive range of whole numbers. */
export interface IntegerRange {
  readonly min: number;
  readonly max: number;
}

/**
 * What AWS allows the worker: a Lambda function runs 1 s to 15 minutes with 128 to 10,240 MB, and an SQS
 * event source hands it 1 to 10 messages per batch (more needs a batching window, which weft does not set).
 */
export const WORKER_LIMITS = {
  timeoutSeconds: { min: 1, max: 900 },
  memorySize: { min: 128, max: 10_240 },
  batchSize: { min: 1, max: 10 },
  maxConcurrency: { min: 2, max: 1000 },
} as const satisfies Record<string, IntegerRange>;

/** The worker's settings when none are given. */
export const WORKER_DEFAULTS = {
  timeoutSeconds: 60,
  memorySize: 1024,
  batchSize: 10,
  maxConcurrency: 50,
} as const;

/**
 * What API Gateway and Lambda allow: an account's default quota is 10,000 requests per second with a burst of
 * 5,000 per region, and 1,000 concurrent executions (a function reserves at least 1; 0 would stop it).
 */
export const HARDENING_LIMITS = {
  rateLimit: { min: 1, max: 10_000 },
  burstLimit: { min: 1, max: 5_000 },
  reservedConcurrency: { min: 1, max: 1_000 },
} as const satisfies Record<string, IntegerRange>;

/** The API's throttling when none is given: a ceiling well under the account's, for one deployment. */
export const API_THROTTLE_DEFAULTS: ApiThrottle = { rateLimit: 50, burstLimit: 100 };

/**
 * `<name>: must be an integer from <min> to <max>, got <value>`, or undefined when the value is one.
 *
 * @example
 * rangeProblem('batchSize', 11, WORKER_LIMITS.batchSize); // 'batchSize: must be an integer from 1 to 10, got 11'
 */
export function rangeProblem(
  name: string,
  value: number,
  range: IntegerRange,
  shown: string = String(value),
): string | undefined {
  if (Number.isInteger(value) && value >= range.min && value <= range.max) return undefined;
  return `${name}: must be an integer from ${range.min} to ${range.max}, got ${shown}`;
}

/**
 * The tasks whose timeout is longer than a worker invocation: the worker would be stopped before the
 * attempt's timeout fires, so the attempt could neither finish nor record its failure.
 */
export function tasksOutlasting(
  plans: readonly Plan[],
  workerTimeoutMs: number,
): { plan: Plan; task: PlannedTask }[] {
  return plans.flatMap((plan) =>
    Object.values(plan.tasks)
      .filter((task) => task.timeoutMs !== undefined && task.timeoutMs > workerTimeoutMs)
      .map((task) => ({ plan, task })),
  );
}

/**
 * The tasks that ask for a process of their own (`isolation: process`) without `lambda:`: deployed, a
 * task's own process is its own Lambda function (`isolation: thread` runs in a thread of the worker).
 */
export function isolatedWithoutLambda(plans: readonly Plan[]): { plan: Plan; task: PlannedTask }[] {
  return plans.flatMap((plan) =>
    Object.values(plan.tasks)
      .filter((task) => task.isolation === 'process' && task.lambda === undefined)
      .map((task) => ({ plan, task })),
  );
}

/**
 * Applies the defaults and validates, reporting every problem at once (the limits are `WORKER_LIMITS`).
 */
export function resolveSettings(props: WeftSettingsInput): WeftSettings {
  const settings: WeftSettings = {
    workerTimeout: props.workerTimeout ?? Duration.seconds(WORKER_DEFAULTS.timeoutSeconds),
    batchSize: props.batchSize ?? WORKER_DEFAULTS.batchSize,
    maxConcurrency: props.maxConcurrency ?? WORKER_DEFAULTS.maxConcurrency,
    workerMemorySize: props.workerMemorySize ?? WORKER_DEFAULTS.memorySize,
    retentionDays: props.retentionDays ?? 30,
    logRetention: props.logRetention ?? RetentionDays.ONE_MONTH,
    apiThrottle: { ...API_THROTTLE_DEFAULTS, ...props.apiThrottle },
    reservedConcurrency: props.reservedConcurrency ?? {},
  };
  const problems: string[] = [];
  if (props.plans.length === 0)
    problems.push('plans: no workflow to deploy; add a YAML file to the workflows folder');
  const names = props.plans.map((plan) => plan.name);
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicate) problems.push(`plans: two workflows are named '${duplicate}'`);
  problems.push(
    ...[
      rangeProblem('batchSize', settings.batchSize, WORKER_LIMITS.batchSize),
      rangeProblem('maxConcurrency', settings.maxConcurrency, WORKER_LIMITS.maxConcurrency),
      rangeProblem('workerMemorySize', settings.workerMemorySize, WORKER_LIMITS.memorySize),
      rangeProblem('apiThrottle.rateLimit', settings.apiThrottle.rateLimit, HARDENING_LIMITS.rateLimit),
      rangeProblem('apiThrottle.burstLimit', settings.apiThrottle.burstLimit, HARDENING_LIMITS.burstLimit),
      ...Object.entries(settings.reservedConcurrency).map(([role, value]) =>
        rangeProblem(`reservedConcurrency.${role}`, value, HARDENING_LIMITS.reservedConcurrency),
      ),
    ].filter((problem) => problem !== undefined),
  );
  const workerReserved = settings.reservedConcurrency.worker;
  if (workerReserved !== undefined && workerReserved < settings.maxConcurrency) {
    problems.push(
      `reservedConcurrency.worker: ${workerReserved} is less than the queue's maxConcurrency (${settings.maxConcurrency}), so the event source would be throttled and task messages would pile up toward the dead-letter queue; reserve at least ${settings.maxConcurrency} or lower maxConcurrency`,
    );
  }
  const timeout = settings.workerTimeout.toSeconds({ integral: false });
  const { min, max } = WORKER_LIMITS.timeoutSeconds;
  if (!Number.isInteger(timeout) || timeout < min || timeout > max) {
    problems.push(
      `workerTimeout: must be whole seconds from ${min} s to ${max / 60} minutes (Lambda's limit), got ${timeout} s`,
    );
  }
  for (const { plan, task } of tasksOutlasting(props.plans, timeout * 1000)) {
    problems.push(
      `workflow '${plan.name}', task '${task.id}': its timeout (${(task.timeoutMs ?? 0) / 1000} s) is longer than the worker function's (${timeout} s), which would cut every attempt short; raise workerTimeout (up to 15 minutes) or shorten the task's timeout`,
    );
  }
  for (const { plan, task } of isolatedWithoutLambda(props.plans)) {
    problems.push(
      `workflow '${plan.name}', task '${task.id}': isolation: process needs lambda: on AWS (a task's own process is a Lambda function of its own); give it lambda: <function name or ARN>, or isolation: thread to run it in a thread of the worker`,
    );
  }
  if (!Number.isInteger(settings.retentionDays) || settings.retentionDays < 1) {
    problems.push(`retentionDays: must be a whole number of days, at least 1, got ${settings.retentionDays}`);
  }
  if (problems.length > 0) {
    // a configuration mistake of the user's: the app prints it without a stack trace
    throw new UserInputError('orchestrator.settings', `WeftOrchestrator: ${problems.join('; ')}`);
  }
  return settings;
}
