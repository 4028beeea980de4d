import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { HandleOptions } from '../../../src/runtime/deps.ts';
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
    const deadlines: (number | undefined)[] = [];
    const runtime = {
      handleMessage: async (body: string, options?: HandleOptions) => {
        deadlines.push(options?.deadlineAt);
        if (body === 'bad') throw new Error('store unavailable');
        handled.push(body);
      },
    } as unknown as Runtime;
    const handler = createWorkerHandler(runtime);
    const event: SQSEvent = { Records: [record('1', 'good'), record('2', 'bad'), record('3', 'fine')] };
    const before = Date.now();
    const response = await handler(event, { getRemainingTimeInMillis: () => 30_000 } as Context);
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: '2' }] });
    expect(handled.sort()).toEqual(['fine', 'good']);
    // eager continuation is bounded by the invocation's end
    for (const deadlineAt of deadlines) {
      expect(deadlineAt).toBeGreaterThanOrEqual(before + 30_000);
      expect(deadlineAt).toBeLessThanOrEqual(Date.now() + 30_000);
    }
  });
});
