import { Aws, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import { Queue, QueueEncryption, type QueueProps } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { TABLE_SCHEMA } from '../../src/store/table-schema.ts';

export interface WeftStorageProps {
  /** The worker's timeout: the task queue's visibility timeout is six times it. */
  readonly workerTimeout: Duration;
  /**
   * Encrypts the table and the queues with a customer-managed KMS key: `'create'` makes one here (rotated
   * yearly, retained with the table), or pass your own. @default AWS-managed keys (DynamoDB's and SQS's)
   */
  readonly encryptionKey?: IKey | 'create';
}

/**
 * weft's state: the runs table (the source of truth), the task queue with its dead-letter queue, and the
 * dead-letter queue of trigger deliveries. The
 * table is retained when the stack is deleted. Construct ids here must never change: a new id replaces
 * the resource and loses its data.
 */
export class WeftStorage extends Construct {
  readonly table: Table;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  /** Where EventBridge puts trigger deliveries the trigger function failed to take (after 185 retries). */
  readonly triggerDeadLetterQueue: Queue;
  /** The customer-managed key of the table and queues, when there is one. */
  readonly encryptionKey?: IKey;

  constructor(scope: Construct, id: string, props: WeftStorageProps) {
    super(scope, id);
    const key = props.encryptionKey === 'create' ? this.createKey() : props.encryptionKey;
    if (key) this.encryptionKey = key;
    const queueEncryption: Pick<QueueProps, 'encryption' | 'encryptionMasterKey'> = key
      ? { encryption: QueueEncryption.KMS, encryptionMasterKey: key }
      : { encryption: QueueEncryption.SQS_MANAGED };
    this.table = new Table(this, 'Table', {
      partitionKey: { name: TABLE_SCHEMA.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_SCHEMA.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TABLE_SCHEMA.ttlAttribute,
      ...(key
        ? { encryption: TableEncryption.CUSTOMER_MANAGED, encryptionKey: key }
        : { encryption: TableEncryption.AWS_MANAGED }),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: TABLE_SCHEMA.activeRunsIndex.name,
      partitionKey: { name: TABLE_SCHEMA.activeRunsIndex.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_SCHEMA.activeRunsIndex.sortKey, type: AttributeType.STRING },
      // As ensureTable creates it locally: the recovery pass reads only the keys, then the items.
      projectionType: ProjectionType.KEYS_ONLY,
    });
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      ...queueEncryption,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.triggerDeadLetterQueue = new Queue(this, 'TriggerDeadLetterQueue', {
      ...queueEncryption,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.triggerDeadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "It is a dead-letter queue: EventBridge's, for the trigger rules' targets (not an SQS redrive, so cdk-nag cannot see it).",
    });
    this.queue = new Queue(this, 'TaskQueue', {
      ...queueEncryption,
      enforceSSL: true,
      // AWS's guidance for SQS event sources: at least six times the function's timeout.
      visibilityTimeout: Duration.seconds(props.workerTimeout.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
    });
  }

  /**
   * A key for the table and queues, kept when the stack is deleted (the retained table's data needs it). Its
   * policy lets EventBridge encrypt the trigger deliveries it dead-letters, for this account's rules only.
   */
  private createKey(): Key {
    const key = new Key(this, 'Key', {
      description: 'weft: the runs table and the task and dead-letter queues',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
    return key;
  }
}
