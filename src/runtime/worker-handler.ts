import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { Runtime } from './types.ts';

/**
 * The SQS worker: processes a batch of task messages concurrently and reports the ones that failed
 * (partial batch response), so only those are redelivered. A checkpoint's ready dependents are run in the
 * same invocation while its remaining time allows (eager continuation); the rest go back through SQS.
 *
 * @example
 * export const handler = createWorkerHandler(createAwsRuntime(config));
 */
export function createWorkerHandler(
  runtime: Runtime,
): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const processor = new BatchProcessor(EventType.SQS);
  return (event, context) => {
    // eager continuation stops in time for the batch to be answered before the invocation ends
    const deadlineAt = Date.now() + context.getRemainingTimeInMillis();
    const record = async (item: SQSRecord): Promise<void> => {
      await runtime.handleMessage(item.body, { deadlineAt });
    };
    return processPartialResponse(event, record, processor, { context, throwOnFullBatchFailure: false });
  };
}
