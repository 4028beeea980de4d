import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { Runtime, SubmitRequest } from './types.ts';

/**
 * The API function's call of a sync workflow's submission (`mode: sync`): the worker, which has the
 * handlers, runs the run's critical path and answers; the API then reads the run it answers with.
 */
export interface SyncRunInvocation {
  readonly weft: 'run';
  readonly request: SubmitRequest & { readonly runId: string };
  /** The longest wait for the answer, in ms (the API's `?wait=`). */
  readonly waitMs: number;
}

/** The worker's answer to a {@link SyncRunInvocation}: small, the run view is read by the API. */
export interface SyncRunReply {
  readonly runId: string;
  readonly created: boolean;
  readonly kind: 'settled' | 'answered' | 'pending';
  readonly pending?: readonly string[];
}

/** Time kept, at the end of a sync invocation, to answer before the function is cut off. */
const SYNC_MARGIN_MS = 3_000;

/**
 * The SQS worker: processes a batch of task messages concurrently and reports the ones that failed
 * (partial batch response), so only those are redelivered. A checkpoint's ready dependents are run in the
 * same invocation while its remaining time allows (eager continuation); the rest go back through SQS.
 * Invoked directly by the API function with a {@link SyncRunInvocation}, it runs a sync run instead.
 *
 * @example
 * export const handler = createWorkerHandler(createAwsRuntime(config));
 */
export function createWorkerHandler(
  runtime: Runtime,
): (event: SQSEvent | SyncRunInvocation, context: Context) => Promise<SQSBatchResponse | SyncRunReply> {
  const processor = new BatchProcessor(EventType.SQS);
  return (event, context) => {
    // eager continuation stops in time for the batch to be answered before the invocation ends
    const deadlineAt = Date.now() + context.getRemainingTimeInMillis();
    if (isSyncRun(event)) return runSync(runtime, event, deadlineAt);
    const record = async (item: SQSRecord): Promise<void> => {
      await runtime.handleMessage(item.body, { deadlineAt });
    };
    return processPartialResponse(event, record, processor, { context, throwOnFullBatchFailure: false });
  };
}

async function runSync(
  runtime: Runtime,
  event: SyncRunInvocation,
  deadlineAt: number,
): Promise<SyncRunReply> {
  const waitMs = Math.max(0, Math.min(event.waitMs, deadlineAt - SYNC_MARGIN_MS - Date.now()));
  const answer = await runtime.run(event.request, { waitMs, deadlineAt: deadlineAt - SYNC_MARGIN_MS });
  return {
    runId: answer.runId,
    created: answer.created,
    kind: answer.kind,
    ...(answer.kind === 'answered' ? { pending: answer.pending } : {}),
  };
}

function isSyncRun(event: SQSEvent | SyncRunInvocation): event is SyncRunInvocation {
  return (event as Partial<SyncRunInvocation>).weft === 'run';
}
