import { z } from 'zod';
import { UserInputError } from '../errors.ts';

/** The Lambda functions' configuration, set by the CDK construct. The only module that reads `process.env`. */
export interface LambdaEnv {
  readonly tableName: string;
  readonly queueUrl: string;
  /** Days a finished run is kept before DynamoDB's TTL deletes it. */
  readonly retentionDays: number;
  /** The ceiling of an attempt of a task without `timeout`: the worker's timeout less a margin. */
  readonly taskCeilingMs?: number;
  /** The API's authoriser (the API function only): `jwt` makes the handler check scopes. */
  readonly apiAuth?: 'iam' | 'jwt';
  /** The worker function the API invokes to run a sync workflow's submission (set when one is deployed). */
  readonly workerFunction?: string;
}

const schema = z.object({
  TABLE_NAME: z.string().min(1, 'must name the DynamoDB table'),
  QUEUE_URL: z.url('must be the task queue URL'),
  RETENTION_DAYS: z.coerce.number().int().positive().default(30),
  TASK_CEILING_MS: z.coerce.number().int().positive().optional(),
  API_AUTH: z.enum(['iam', 'jwt'], "must be 'iam' or 'jwt'").optional(),
  WORKER_FUNCTION: z.string().min(1, 'must name the worker function').optional(),
});

/**
 * The API function's authoriser: required, so that a function deployed without it fails at cold start
 * instead of answering JWT callers without checking their scopes.
 */
export function requireApiAuth(env: LambdaEnv): 'iam' | 'jwt' {
  if (env.apiAuth !== undefined) return env.apiAuth;
  throw new UserInputError(
    'lambda.config',
    "invalid function configuration: API_AUTH must be 'iam' or 'jwt' (the API's authoriser), set by the CDK construct",
  );
}

/**
 * Reads and validates the environment once per cold start; a misconfigured function fails at once with a
 * message naming the variable, instead of at its first request.
 *
 * @example
 * const env = readLambdaEnv(); // { tableName, queueUrl, retentionDays }
 */
export function readLambdaEnv(env: Readonly<Record<string, string | undefined>> = process.env): LambdaEnv {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
    throw new UserInputError('lambda.config', `invalid function configuration: ${problems.join('; ')}`);
  }
  return {
    tableName: result.data.TABLE_NAME,
    queueUrl: result.data.QUEUE_URL,
    retentionDays: result.data.RETENTION_DAYS,
    ...(result.data.TASK_CEILING_MS === undefined ? {} : { taskCeilingMs: result.data.TASK_CEILING_MS }),
    ...(result.data.API_AUTH === undefined ? {} : { apiAuth: result.data.API_AUTH }),
    ...(result.data.WORKER_FUNCTION === undefined ? {} : { workerFunction: result.data.WORKER_FUNCTION }),
  };
}
