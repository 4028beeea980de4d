import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { UserInputError } from '../errors.ts';
import { ensureQueue, ensureTable } from '../runtime/index.ts';
import type { RecoverySettings } from '../runtime/recovery-settings.ts';
import type { HandlerRegistry } from '../runtime/types.ts';
import type { Plan } from '../workflow/plan.ts';
import type { LocalBackend } from './backend.ts';
import { createStackRuntime } from './stack-runtime.ts';

export interface AwsBackendOptions {
  readonly plans: readonly Plan[];
  readonly handlers: HandlerRegistry;
  /** Default `weft`. */
  readonly tableName?: string;
  /** Default `weft-tasks` (and `weft-tasks-dlq`). */
  readonly queueName?: string;
  /** Overrides what the AWS SDK's environment says (AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL). */
  readonly dynamodbEndpoint?: string;
  readonly sqsEndpoint?: string;
  readonly concurrency?: number;
  readonly recoveryIntervalMs?: number;
  /** The recovery pass's grace and bounds; default the deployment's. */
  readonly recovery?: Partial<RecoverySettings>;
  readonly onError?: (error: unknown) => void;
}

/**
 * The local commands against DynamoDB and SQS wherever the AWS SDK's standard configuration points: real
 * AWS (region and credentials from the usual chain), or LocalStack / DynamoDB Local through
 * `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_DYNAMODB` and `AWS_ENDPOINT_URL_SQS`. The table and the queues are
 * created when absent; this process polls the queue and runs the recovery pass like the deployment's worker
 * and reaper.
 */
export async function openAwsBackend(options: AwsBackendOptions): Promise<LocalBackend> {
  const dynamodb = new DynamoDBClient(options.dynamodbEndpoint ? { endpoint: options.dynamodbEndpoint } : {});
  // Requests go to the configured endpoint, not to the host in the queue URL (emulators such as LocalStack
  // and fauxqs answer with URLs under a host name of their own; on AWS the two are the same).
  const sqs = new SQSClient({
    useQueueUrlAsEndpoint: false,
    ...(options.sqsEndpoint ? { endpoint: options.sqsEndpoint } : {}),
  });
  const tableName = options.tableName ?? 'weft';
  try {
    await ensureTable(dynamodb, tableName);
    const { queueUrl } = await ensureQueue(sqs, options.queueName ?? 'weft-tasks');
    const endpoint = async (client: DynamoDBClient | SQSClient): Promise<string> => {
      const resolved = await client.config.endpoint?.();
      return resolved
        ? `${resolved.protocol}//${resolved.hostname}${resolved.port ? `:${resolved.port}` : ''}`
        : 'aws';
    };
    const stack = createStackRuntime(
      { dynamodbEndpoint: await endpoint(dynamodb), sqsEndpoint: await endpoint(sqs), tableName, queueUrl },
      { dynamodb, sqs },
      options,
    );
    return {
      backend: 'aws',
      runtime: stack.runtime,
      plans: stack.plans,
      attached: false,
      hostPid: process.pid,
      startWorker: () => stack.startWorker(true),
      loadPlan: (workflow, version) => stack.loadPlan(workflow, version),
      changed: (_runId, ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      close: (options) => stack.close(options),
    };
  } catch (error) {
    dynamodb.destroy();
    sqs.destroy();
    throw awsSetupError(error);
  }
}

/** Missing region or credentials, or an endpoint that does not answer, are the user's to fix. */
function awsSetupError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const fix =
    'set AWS_REGION and credentials (aws configure, AWS_PROFILE), or point AWS_ENDPOINT_URL at LocalStack or DynamoDB Local';
  if (error.name === 'CredentialsProviderError' || /region (is missing|not accepted)/i.test(error.message)) {
    return new UserInputError('aws.config', `--backend aws: ${error.message}: ${fix}`, { cause: error });
  }
  const code = (error as { code?: unknown }).code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND') {
    return new UserInputError('aws.unreachable', `--backend aws: ${error.message}: ${fix}`, { cause: error });
  }
  return error;
}
