import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Alias, Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import type { Plan } from '../src/workflow/plan.ts';
import type { WeftApiAuth } from './orchestrator/http-api.ts';
import { WeftOrchestrator, type WeftOrchestratorProps } from './orchestrator/weft-orchestrator.ts';

/** The stack's settings: the orchestrator's workflows, handlers, API authorisation and worker settings. */
export interface WeftStackProps
  extends StackProps,
    Pick<
      WeftOrchestratorProps,
      | 'workerTimeout'
      | 'workerMemorySize'
      | 'batchSize'
      | 'apiThrottle'
      | 'reservedConcurrency'
      | 'triggerAccounts'
    > {
  readonly plans: readonly Plan[];
  readonly handlersModule: string;
  readonly apiAuth?: WeftApiAuth;
  /** Creates an SNS topic every alarm notifies, with this address subscribed by e-mail. */
  readonly alarmEmail?: string;
  /** Encrypts the table and queues with a key: `'create'` one, or the ARN of yours. @default AWS-managed keys */
  readonly kmsKey?: string;
}

/** The app's stack: one orchestrator and the outputs users need (API URL, table, queues). */
export class WeftStack extends Stack {
  readonly orchestrator: WeftOrchestrator;

  constructor(scope: Construct, id: string, props: WeftStackProps) {
    super(scope, id, props);
    const { plans, handlersModule, apiAuth, workerTimeout, workerMemorySize, batchSize, kmsKey } = props;
    const { apiThrottle, reservedConcurrency, triggerAccounts } = props;
    const alarmTopic = props.alarmEmail === undefined ? undefined : this.alarmTopic(props.alarmEmail);
    this.orchestrator = new WeftOrchestrator(this, 'Weft', {
      ...(alarmTopic ? { alarmAction: new SnsAction(alarmTopic) } : {}),
      plans,
      handlersModule,
      ...(apiAuth ? { apiAuth } : {}),
      ...(workerTimeout ? { workerTimeout } : {}),
      ...(workerMemorySize === undefined ? {} : { workerMemorySize }),
      ...(batchSize === undefined ? {} : { batchSize }),
      ...(apiThrottle ? { apiThrottle } : {}),
      ...(reservedConcurrency ? { reservedConcurrency } : {}),
      ...(triggerAccounts ? { triggerAccounts } : {}),
      ...(kmsKey === undefined
        ? {}
        : { encryptionKey: kmsKey === 'create' ? 'create' : Key.fromKeyArn(this, 'EncryptionKey', kmsKey) }),
    });
    new CfnOutput(this, 'ApiUrl', {
      value: this.orchestrator.httpApi.url,
      description: 'weft submit --endpoint',
    });
    new CfnOutput(this, 'TableName', { value: this.orchestrator.table.tableName });
    new CfnOutput(this, 'QueueUrl', { value: this.orchestrator.queue.queueUrl });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.orchestrator.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'TriggerDeadLetterQueueUrl', {
      value: this.orchestrator.triggerDeadLetterQueue.queueUrl,
    });
    if (alarmTopic) new CfnOutput(this, 'AlarmTopicArn', { value: alarmTopic.topicArn });
    const key = this.orchestrator.encryptionKey;
    if (key) new CfnOutput(this, 'EncryptionKeyArn', { value: key.keyArn });
  }

  /** The alarms' topic: encrypted with the AWS-managed SNS key, TLS only, `email` subscribed. */
  private alarmTopic(email: string): Topic {
    const topic = new Topic(this, 'AlarmTopic', {
      displayName: 'weft alarms',
      enforceSSL: true,
      masterKey: Alias.fromAliasName(this, 'SnsKey', 'alias/aws/sns'),
    });
    topic.addSubscription(new EmailSubscription(email));
    return topic;
  }
}
