import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { Runtime } from './types.ts';

/**
 * The SQS worker: processes a batch of task messages concurrently and reports the ones that failed
 * (partial batch response), so only those are redelivered.
 *
 * @example
 * export const handler = createWorkerHandler(createAwsRuntime(config));
 */
export function createWorkerHandler(
  runtime: Runtime,
): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const processor = new BatchProcessor(EventType.SQS);
  const record = async (item: SQSRecord): Promise<void> => {
    await runtime.handleMessage(item.body);
  };
  return (event, context) =>
    processPartialResponse(event, record, processor, { context, throwOnFullBatchFailure: false });
}
