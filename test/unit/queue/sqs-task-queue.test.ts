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

  it('keeps a batch under 256 KiB of bodies: large inputs go out in more, smaller batches', async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const queue = new SqsTaskQueue(new SQSClient({ region: 'us-east-1' }), 'https://q');
    const input = 'x'.repeat(60 * 1024);
    const big = (taskId: string) => ({
      ...message(taskId),
      run: { workflow: 'w', planVersion: 'v', input },
    });
    await queue.send(Array.from({ length: 10 }, (_, i) => ({ message: big(`t${i}`) })));
    const calls = sqs.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.Entries?.length)).toEqual([4, 4, 2]);
    for (const call of calls) {
      const bytes = (call.Entries ?? []).reduce((sum, e) => sum + Buffer.byteLength(e.MessageBody ?? ''), 0);
      expect(bytes).toBeLessThanOrEqual(256 * 1024);
    }
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

  it('keeps the edge a dispatch carries, and rejects a malformed one', () => {
    const carrying = { ...message('b'), edge: { from: 'a', output: '{"k":1}', lamport: 3 } };
    expect(parseTaskMessage(JSON.stringify(carrying))).toEqual(carrying);
    const broken = { ...message('b'), edge: { from: 'a', lamport: 3 } };
    expect(parseTaskMessage(JSON.stringify(broken))).toBeUndefined();
  });

  it('accepts a run deadline and rejects one without its time', () => {
    const deadline = { runId: 'r', kind: 'deadline' as const, deadlineAt: 5_000 };
    expect(parseTaskMessage(JSON.stringify(deadline))).toEqual(deadline);
    expect(parseTaskMessage(JSON.stringify({ runId: 'r', kind: 'deadline' }))).toBeUndefined();
  });
});
