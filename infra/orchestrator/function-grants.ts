import { ArnFormat, Stack } from 'aws-cdk-lib';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { TABLE_SCHEMA } from '../../src/store/table-schema.ts';
import type { Plan } from '../../src/workflow/plan.ts';
import type { TableGrant } from './table-grants.ts';

/**
 * The statements of `grants` on `tableArn` (or its active-runs index), named exactly: `grantReadWriteData`
 * would add `<table>/index/*`, batch and scan actions and every stream action, more than weft uses.
 */
export function grantTable(grantee: IGrantable, tableArn: string, grants: readonly TableGrant[]): void {
  for (const grant of grants) {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [...grant.actions],
        resources: [grant.index ? `${tableArn}/index/${TABLE_SCHEMA.activeRunsIndex.name}` : tableArn],
        ...(grant.leadingKeyPrefixes
          ? {
              conditions: {
                'ForAllValues:StringLike': {
                  'dynamodb:LeadingKeys': grant.leadingKeyPrefixes.map((prefix) => `${prefix}*`),
                },
              },
            }
          : {}),
      }),
    );
  }
}

/** Sending task messages (one or ten at a time: `SendMessage` covers the batch call too). */
export function grantQueueSend(grantee: IGrantable, queue: IQueue): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
      resources: [queue.queueArn],
    }),
  );
}

/**
 * Using the customer-managed key of the table and queues, by action name (`key.grantEncryptDecrypt` would
 * add `kms:ReEncrypt*` and `kms:GenerateDataKey*`).
 */
export function grantKeyUse(grantee: IGrantable, key: IKey): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
      resources: [key.keyArn],
    }),
  );
}

/** The worker may invoke exactly the functions that tasks name with `lambda:`. */
export function grantLambdaTasks(worker: IFunction, plans: readonly Plan[]): void {
  const targets = new Set<string>();
  for (const plan of plans) {
    for (const task of Object.values(plan.tasks)) if (task.lambda) targets.add(task.lambda);
  }
  if (targets.size === 0) return;
  const stack = Stack.of(worker);
  const resources = [...targets].sort().map((target) =>
    target.startsWith('arn:')
      ? target
      : stack.formatArn({
          service: 'lambda',
          resource: 'function',
          resourceName: target,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
  );
  worker.addToRolePolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources }));
}
