import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import type { QueueMessage } from '../engine/types.ts';
import type { TaskQueue } from './task-queue.ts';

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

  async send(
    messages: readonly { readonly message: QueueMessage; readonly delaySeconds?: number }[],
  ): Promise<void> {
    for (let start = 0; start < messages.length; start += BATCH) {
      const slice = messages.slice(start, start + BATCH);
      const result = await this.client.send(
        new SendMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: slice.map((entry, i) => ({
            Id: String(i),
            MessageBody: JSON.stringify(entry.message),
            ...(entry.delaySeconds ? { DelaySeconds: entry.delaySeconds } : {}),
          })),
        }),
      );
      const failed = result.Failed ?? [];
      if (failed.length > 0) {
        const first = failed[0];
        throw new Error(
          `SQS refused ${failed.length} dispatch message(s): ${first?.Code}: ${first?.Message}`,
        );
      }
    }
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
      .object({ workflow: z.string().min(1), planVersion: z.string().min(1), input: z.string().optional() })
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
