import { Duration } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { UserInputError } from '../../src/errors.ts';
import type { Plan } from '../../src/workflow/plan.ts';

/** The orchestrator's tunables, as given or defaulted. */
export interface WeftSettings {
  readonly workerTimeout: Duration;
  readonly batchSize: number;
  readonly maxConcurrency: number;
  readonly workerMemorySize: number;
  readonly retentionDays: number;
  readonly logRetention: RetentionDays;
}

/** What `resolveSettings` reads: the orchestrator's props. */
export interface WeftSettingsInput extends Partial<WeftSettings> {
  readonly plans: readonly Plan[];
}

/**
 * Applies the defaults and validates, reporting every problem at once (Lambda allows a 15-minute timeout,
 * SQS event sources 1-10 messages per batch and a maximum concurrency of 2-1000).
 */
export function resolveSettings(props: WeftSettingsInput): WeftSettings {
  const settings: WeftSettings = {
    workerTimeout: props.workerTimeout ?? Duration.minutes(1),
    batchSize: props.batchSize ?? 10,
    maxConcurrency: props.maxConcurrency ?? 50,
    workerMemorySize: props.workerMemorySize ?? 1024,
    retentionDays: props.retentionDays ?? 30,
    logRetention: props.logRetention ?? RetentionDays.ONE_MONTH,
  };
  const problems: string[] = [];
  if (props.plans.length === 0)
    problems.push('plans: no workflow to deploy; add a YAML file to the workflows folder');
  const names = props.plans.map((plan) => plan.name);
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicate) problems.push(`plans: two workflows are named '${duplicate}'`);
  if (!Number.isInteger(settings.batchSize) || settings.batchSize < 1 || settings.batchSize > 10) {
    problems.push(`batchSize: must be an integer from 1 to 10, got ${settings.batchSize}`);
  }
  if (
    !Number.isInteger(settings.maxConcurrency) ||
    settings.maxConcurrency < 2 ||
    settings.maxConcurrency > 1000
  ) {
    problems.push(`maxConcurrency: must be an integer from 2 to 1000, got ${settings.maxConcurrency}`);
  }
  const timeout = settings.workerTimeout.toSeconds();
  if (timeout < 1 || timeout > 900) {
    problems.push(`workerTimeout: must be 1 s to 15 minutes (Lambda's limit), got ${timeout} s`);
  }
  for (const plan of props.plans) {
    for (const task of Object.values(plan.tasks)) {
      if (task.timeoutMs !== undefined && task.timeoutMs > timeout * 1000) {
        problems.push(
          `workflow '${plan.name}', task '${task.id}': its timeout (${task.timeoutMs / 1000} s) is longer than the worker function's (${timeout} s), which would cut every attempt short; raise workerTimeout (up to 15 minutes) or shorten the task's timeout`,
        );
      }
    }
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
