import { type BatchResultErrorEntry, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import type { QueueMessage } from '../engine/types.ts';
import type { QueueEntry, TaskQueue } from './task-queue.ts';

/** SQS takes at most 10 messages per batch request. */
const BATCH = 10;

/**
 * The task queue on SQS. Sends in batches of ten; an entry SQS refuses is an error (the caller then
 * leaves the dispatch to the recovery pass, which rebuilds it from DynamoDB).
 */
export class SqsTaskQueue implements TaskQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(messages: readonly QueueEntry[]): Promise<void> {
    const batches: (readonly QueueEntry[])[] = [];
    for (let start = 0; start < messages.length; start += BATCH)
      batches.push(messages.slice(start, start + BATCH));
    // the batches of one fan-out go out side by side: one round trip, not one per ten messages
    const refused = await Promise.all(batches.map((batch) => this.sendBatch(batch)));
    const failed = refused.flat();
    if (failed.length > 0) {
      const first = failed[0];
      throw new Error(`SQS refused ${failed.length} dispatch message(s): ${first?.Code}: ${first?.Message}`);
    }
  }

  private async sendBatch(batch: readonly QueueEntry[]): Promise<BatchResultErrorEntry[]> {
    const result = await this.client.send(
      new SendMessageBatchCommand({
        QueueUrl: this.queueUrl,
        Entries: batch.map((entry, i) => ({
          Id: String(i),
          MessageBody: JSON.stringify(entry.message),
          ...(entry.delaySeconds ? { DelaySeconds: entry.delaySeconds } : {}),
        })),
      }),
    );
    return result.Failed ?? [];
  }
}

const messageSchema = z.union([
  z.object({
    runId: z.string().min(1),
    taskId: z.string().min(1),
    kind: z.enum(['task', 'compensate']),
    lamport: z.number().int().nonnegative(),
    readyAt: z.number(),
    run: z
      .object({
        workflow: z.string().min(1),
        planVersion: z.string().min(1),
        input: z.string().optional(),
        redrive: z.number().int().nonnegative().optional(),
      })
      .optional(),
    waits: z.number().int().nonnegative().optional(),
  }),
  z.object({ runId: z.string().min(1), kind: z.literal('deadline'), deadlineAt: z.number() }),
]);

/**
 * Parses a task-queue message body (a task or compensation dispatch, or a run's deadline); undefined when
 * it is not one of weft's messages.
 */
export function parseTaskMessage(body: string): QueueMessage | undefined {
  try {
    const parsed = messageSchema.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
