import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { TABLE_SCHEMA } from '../../src/store/table-schema.ts';

export interface WeftStorageProps {
  /** The worker's timeout: the task queue's visibility timeout is six times it. */
  readonly workerTimeout: Duration;
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

  constructor(scope: Construct, id: string, props: WeftStorageProps) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: TABLE_SCHEMA.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_SCHEMA.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TABLE_SCHEMA.ttlAttribute,
      encryption: TableEncryption.AWS_MANAGED,
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
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.triggerDeadLetterQueue = new Queue(this, 'TriggerDeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.triggerDeadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "It is a dead-letter queue: EventBridge's, for the trigger rules' targets (not an SQS redrive, so cdk-nag cannot see it).",
    });
    this.queue = new Queue(this, 'TaskQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // AWS's guidance for SQS event sources: at least six times the function's timeout.
      visibilityTimeout: Duration.seconds(props.workerTimeout.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
    });
  }
}
