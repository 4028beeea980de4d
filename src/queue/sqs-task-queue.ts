import { type BatchResultErrorEntry, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import type { QueueMessage } from '../engine/types.ts';
import type { QueueEntry, TaskQueue } from './task-queue.ts';

/** SQS takes at most 10 messages per batch request. */
const BATCH = 10;
/**
 * Bytes of message bodies per batch request at most: SQS's limit for the whole batch was 256 KiB before
 * it became 1 MiB, and the emulators keep the older one.
 */
const BATCH_BYTES = 256 * 1024;

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
    const batches = inBatches(messages);
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

/** The entries in send order, in batches of at most {@link BATCH} entries and {@link BATCH_BYTES}. */
function inBatches(entries: readonly QueueEntry[]): QueueEntry[][] {
  const batches: QueueEntry[][] = [];
  let current: QueueEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = Buffer.byteLength(JSON.stringify(entry.message), 'utf8');
    if (current.length === BATCH || (current.length > 0 && bytes + size > BATCH_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
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
    edge: z
      .object({ from: z.string().min(1), output: z.string(), lamport: z.number().int().nonnegative() })
      .optional(),
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
