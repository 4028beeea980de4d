import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { describe, expect, inject, it } from 'vitest';
import { startPoller } from '../../../src/local/poller.ts';

const sqs = new SQSClient({
  endpoint: inject('sqsEndpoint'),
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});

async function queue(name: string, visibilityTimeout = '30'): Promise<string> {
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({
      QueueName: `${name}-${process.pid}`,
      Attributes: { VisibilityTimeout: visibilityTimeout },
    }),
  );
  if (QueueUrl === undefined) throw new Error('no queue url');
  return QueueUrl;
}

async function send(queueUrl: string, bodies: string[]): Promise<void> {
  for (const body of bodies)
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
}

async function counts(queueUrl: string): Promise<{ visible: number; inFlight: number }> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(Attributes?.ApproximateNumberOfMessages),
    inFlight: Number(Attributes?.ApproximateNumberOfMessagesNotVisible),
  };
}

function until(condition: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => (condition() ? resolve() : void setTimeout(check, 10));
    check();
  });
}

describe('poller', () => {
  it('processes every message and deletes it once handled', async () => {
    const queueUrl = await queue('poller-all');
    const bodies = Array.from({ length: 25 }, (_, i) => `m${i}`);
    await send(queueUrl, bodies);
    const seen: string[] = [];
    const poller = startPoller({ sqs, queueUrl, handle: async (body) => void seen.push(body) });
    await until(() => seen.length === bodies.length);
    await poller.stop();
    expect([...seen].sort()).toEqual([...bodies].sort());
    expect(await counts(queueUrl)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('never runs more than `concurrency` handlers at once', async () => {
    const queueUrl = await queue('poller-bounded');
    await send(
      queueUrl,
      Array.from({ length: 12 }, (_, i) => `m${i}`),
    );
    let running = 0;
    let peak = 0;
    let done = 0;
    const poller = startPoller({
      sqs,
      queueUrl,
      concurrency: 3,
      handle: async () => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 20));
        running -= 1;
        done += 1;
      },
    });
    await until(() => done === 12);
    await poller.stop();
    expect(peak).toBeLessThanOrEqual(3);
    expect(peak).toBeGreaterThan(1);
  });

  it('with batchSize, as Lambda: up to that many messages per batch, concurrency counts batches, deletes together', async () => {
    const queueUrl = await queue('poller-batches', '1');
    await send(
      queueUrl,
      Array.from({ length: 20 }, (_, i) => `m${i}`),
    );
    const calls: string[] = [];
    const counting = new SQSClient({
      endpoint: inject('sqsEndpoint'),
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    counting.middlewareStack.add(
      (next, context) => async (args) => {
        calls.push(context.commandName ?? '?');
        return next(args);
      },
      { step: 'initialize' },
    );
    let running = 0;
    let peak = 0;
    const seen: string[] = [];
    let tries = 0;
    const poller = startPoller({
      sqs: counting,
      queueUrl,
      concurrency: 2,
      batchSize: 10,
      onError: () => {},
      handle: async (body) => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 20));
        running -= 1;
        tries += 1;
        // one message of a batch fails once: only it comes back, the rest of its batch is deleted
        if (body === 'm3' && !seen.includes('m3!')) {
          seen.push('m3!');
          throw new Error('m3 fails once');
        }
        seen.push(body);
      },
    });
    await until(() => seen.filter((body) => !body.endsWith('!')).length === 20);
    await poller.stop();
    counting.destroy();
    // two batches at once, up to ten messages each: more than one message at a time, no more than 20
    expect(peak).toBeGreaterThan(2);
    expect(peak).toBeLessThanOrEqual(20);
    expect(tries).toBe(21);
    // far fewer deletes than messages: one request per batch that had successes
    const deletes = calls.filter((c) => c === 'DeleteMessageBatchCommand').length;
    expect(deletes).toBeGreaterThan(0);
    expect(deletes).toBeLessThan(10);
    expect(await counts(queueUrl)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('leaves a message whose handler throws for redelivery', async () => {
    const queueUrl = await queue('poller-throws', '1');
    await send(queueUrl, ['flaky']);
    let calls = 0;
    const errors: unknown[] = [];
    const poller = startPoller({
      sqs,
      queueUrl,
      onError: (error) => errors.push(error),
      handle: async () => {
        calls += 1;
        if (calls === 1) throw new Error('first delivery fails');
      },
    });
    await until(() => calls === 2);
    await poller.stop();
    expect(errors).toHaveLength(1);
    expect(await counts(queueUrl)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('drains the messages in hand when stopped', async () => {
    const queueUrl = await queue('poller-drain');
    await send(queueUrl, ['slow']);
    let started = false;
    let finished = false;
    const poller = startPoller({
      sqs,
      queueUrl,
      handle: async () => {
        started = true;
        await new Promise((resolve) => setTimeout(resolve, 200));
        finished = true;
      },
    });
    await until(() => started);
    await poller.stop();
    expect(finished).toBe(true);
    expect(await counts(queueUrl)).toEqual({ visible: 0, inFlight: 0 });
  });
});
