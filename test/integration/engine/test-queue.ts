/**
 * The engine bench's queue, as a Lambda event source sees one: receive a batch (each message invisible
 * for a while), delete what was handled, make a crashed delivery visible again, purge. On SQS it is the
 * real queue; on the SQLite backend a small in-memory stand-in with the same semantics, so the same cases
 * drive both.
 */
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { QueueEntry, TaskQueue } from '../../../src/queue/task-queue.ts';

export interface Received {
  readonly body: string;
  readonly handle: string;
}

export interface TestQueue {
  receive(max: number, visibilitySeconds: number): Promise<Received[]>;
  delete(handle: string): Promise<void>;
  /** Visible again at once (a crashed delivery coming back). */
  release(handle: string): Promise<void>;
  /** Deletes every message: whatever the queue held is gone. */
  purge(): Promise<void>;
}

export function sqsTestQueue(sqs: SQSClient, queueUrl: string): TestQueue {
  return {
    async receive(max, visibilitySeconds) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: max,
          VisibilityTimeout: visibilitySeconds,
        }),
      );
      return Messages.map((m) => ({ body: m.Body ?? '', handle: m.ReceiptHandle ?? '' }));
    },
    async delete(handle) {
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: handle }));
    },
    async release(handle) {
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: handle,
          VisibilityTimeout: 0,
        }),
      );
    },
    async purge() {
      await sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));
    },
  };
}

interface Held {
  readonly body: string;
  visibleAt: number;
  handle: string;
}

/** An in-memory queue with SQS's receive/delete/visibility semantics; also the runtime's TaskQueue. */
export class MemoryTestQueue implements TestQueue, TaskQueue {
  private messages: Held[] = [];
  private handles = 0;

  async send(entries: readonly QueueEntry[]): Promise<void> {
    const now = Date.now();
    for (const { message, delaySeconds = 0 } of entries) {
      this.messages.push({ body: JSON.stringify(message), visibleAt: now + delaySeconds * 1000, handle: '' });
    }
  }

  async receive(max: number, visibilitySeconds: number): Promise<Received[]> {
    const now = Date.now();
    const out: Received[] = [];
    for (const held of this.messages) {
      if (out.length >= max) break;
      if (held.visibleAt > now) continue;
      held.visibleAt = now + visibilitySeconds * 1000;
      this.handles += 1;
      held.handle = String(this.handles);
      out.push({ body: held.body, handle: held.handle });
    }
    return out;
  }

  async delete(handle: string): Promise<void> {
    this.messages = this.messages.filter((held) => held.handle !== handle);
  }

  async release(handle: string): Promise<void> {
    const held = this.messages.find((m) => m.handle === handle);
    if (held) held.visibleAt = 0;
  }

  async purge(): Promise<void> {
    this.messages = [];
  }
}
