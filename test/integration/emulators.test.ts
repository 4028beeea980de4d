import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import {
  CreateQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { describe, expect, inject, it } from 'vitest';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

describe('embedded emulators', () => {
  it('serves DynamoDB on loopback', async () => {
    const client = new DynamoDBClient({
      endpoint: inject('dynamodbEndpoint'),
      region: 'us-east-1',
      credentials,
    });
    expect(inject('dynamodbEndpoint')).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await client.send(
      new CreateTableCommand({
        TableName: 'emulator-smoke',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );
    // dynalite creates tables asynchronously even with createTableMs 0, as DynamoDB does: wait for ACTIVE
    await waitUntilTableExists({ client, maxWaitTime: 30 }, { TableName: 'emulator-smoke' });
    await client.send(
      new PutItemCommand({ TableName: 'emulator-smoke', Item: { pk: { S: 'a' }, n: { N: '1' } } }),
    );
    const got = await client.send(
      new GetItemCommand({ TableName: 'emulator-smoke', Key: { pk: { S: 'a' } } }),
    );
    expect(got.Item?.n).toEqual({ N: '1' });
  });

  it('serves SQS on loopback', async () => {
    const client = new SQSClient({ endpoint: inject('sqsEndpoint'), region: 'us-east-1', credentials });
    expect(inject('sqsEndpoint')).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: 'emulator-smoke' }));
    await client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'hello' }));
    const received = await client.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
    expect(received.Messages?.[0]?.Body).toBe('hello');
  });
});
