import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { parseTaskMessage, SqsTaskQueue } from '../../../src/queue/sqs-task-queue.ts';

const sqs = mockClient(SQSClient);
afterEach(() => sqs.reset());

const message = (taskId: string) => ({ runId: 'r', taskId, kind: 'task' as const, lamport: 1, readyAt: 0 });

describe('SqsTaskQueue', () => {
  it('sends in batches of ten with the delay', async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const queue = new SqsTaskQueue(new SQSClient({ region: 'us-east-1' }), 'https://q');
    await queue.send(Array.from({ length: 12 }, (_, i) => ({ message: message(`t${i}`), delaySeconds: 5 })));
    const calls = sqs.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.Entries?.length)).toEqual([10, 2]);
    expect(calls[0]?.Entries?.[0]).toMatchObject({
      DelaySeconds: 5,
      MessageBody: JSON.stringify(message('t0')),
    });
  });

  it('raises when SQS refuses an entry', async () => {
    sqs.on(SendMessageBatchCommand).resolves({
      Successful: [],
      Failed: [{ Id: '0', Code: 'InternalError', SenderFault: false, Message: 'boom' }],
    });
    const queue = new SqsTaskQueue(new SQSClient({ region: 'us-east-1' }), 'https://q');
    await expect(queue.send([{ message: message('a') }])).rejects.toThrow(/InternalError: boom/);
  });
});

describe('parseTaskMessage', () => {
  it('accepts weft messages and rejects anything else', () => {
    expect(parseTaskMessage(JSON.stringify(message('a')))).toEqual(message('a'));
    expect(parseTaskMessage('not json')).toBeUndefined();
    expect(parseTaskMessage(JSON.stringify({ runId: 'r' }))).toBeUndefined();
  });

  it('accepts a run deadline and rejects one without its time', () => {
    const deadline = { runId: 'r', kind: 'deadline' as const, deadlineAt: 5_000 };
    expect(parseTaskMessage(JSON.stringify(deadline))).toEqual(deadline);
    expect(parseTaskMessage(JSON.stringify({ runId: 'r', kind: 'deadline' }))).toBeUndefined();
  });
});
