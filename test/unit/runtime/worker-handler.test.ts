import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { Runtime } from '../../../src/runtime/types.ts';
import { createWorkerHandler } from '../../../src/runtime/worker-handler.ts';

function record(messageId: string, body: string): SQSRecord {
  return {
    messageId,
    body,
    receiptHandle: `rh-${messageId}`,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '0',
      SenderId: 's',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:weft-tasks',
    awsRegion: 'us-east-1',
  };
}

describe('createWorkerHandler', () => {
  it('reports only the messages whose handling failed', async () => {
    const handled: string[] = [];
    const runtime = {
      handleMessage: async (body: string) => {
        if (body === 'bad') throw new Error('store unavailable');
        handled.push(body);
      },
    } as unknown as Runtime;
    const handler = createWorkerHandler(runtime);
    const event: SQSEvent = { Records: [record('1', 'good'), record('2', 'bad'), record('3', 'fine')] };
    const response = await handler(event, {} as Context);
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: '2' }] });
    expect(handled.sort()).toEqual(['fine', 'good']);
  });
});
