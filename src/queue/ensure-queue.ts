import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** Deliveries of one message before SQS moves it to the dead-letter queue. */
export const MAX_RECEIVE_COUNT = 5;

/**
 * Creates the task queue and its dead-letter queue (redrive after 5 receives), or finds them. Idempotent.
 *
 * @example
 * const { queueUrl, dlqUrl } = await ensureQueue(sqs, 'weft-tasks');
 */
export async function ensureQueue(
  client: SQSClient,
  name: string,
): Promise<{ queueUrl: string; dlqUrl: string }> {
  const dlq = await client.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
  const dlqUrl = required(dlq.QueueUrl, `${name}-dlq`);
  const attributes = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
  );
  const dlqArn = required(attributes.Attributes?.QueueArn, `${name}-dlq ARN`);
  const queue = await client.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: {
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: MAX_RECEIVE_COUNT }),
        VisibilityTimeout: '60',
      },
    }),
  );
  return { queueUrl: required(queue.QueueUrl, name), dlqUrl };
}

function required(value: string | undefined, what: string): string {
  if (!value) throw new Error(`SQS returned no ${what}`);
  return value;
}
