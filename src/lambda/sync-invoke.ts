import { randomUUID } from 'node:crypto';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { EngineLogger } from '../runtime/metrics.ts';
import { runIdForKey } from '../runtime/run-ids.ts';
import type { PlanCatalog, RunAnswer, Runtime } from '../runtime/types.ts';
import type { SyncRunInvocation, SyncRunReply } from '../runtime/worker-handler.ts';

/**
 * The API function's `run`: a sync workflow's submission is run by the worker function (which has the
 * handlers and their permissions), invoked synchronously; the API reads the run it answers with. The run
 * id is chosen here, so that if the invocation fails (throttled, cut off) the API submits the same run
 * itself, idempotently: the run goes on through the queue and the caller gets a 202 to poll.
 */
export function runThroughWorker(
  runtime: Runtime,
  plans: PlanCatalog,
  lambda: LambdaClient,
  workerFunction: string,
  logger: EngineLogger,
): Runtime['run'] {
  return async (request, options) => {
    // an async workflow's wait, or a sync one's with no wait, runs no task: answered here
    if (plans.byName(request.workflow)?.mode !== 'sync' || options.waitMs <= 0)
      return runtime.run(request, options);
    const runId =
      request.runId ??
      (request.idempotencyKey ? runIdForKey(request.workflow, request.idempotencyKey) : randomUUID());
    const invocation: SyncRunInvocation = {
      weft: 'run',
      request: { ...request, runId },
      waitMs: options.waitMs,
    };
    let reply: SyncRunReply;
    try {
      reply = await invoke(lambda, workerFunction, invocation);
    } catch (error) {
      logger.warn('sync run not taken by the worker; submitted to the queue instead', {
        runId,
        error: error instanceof Error ? error.message : String(error),
      });
      const submitted = await runtime.submit({ ...request, runId });
      return { ...submitted, kind: 'pending' };
    }
    return answerOf(runtime, reply);
  };
}

async function invoke(
  lambda: LambdaClient,
  functionName: string,
  payload: SyncRunInvocation,
): Promise<SyncRunReply> {
  const result = await lambda.send(
    new InvokeCommand({
      FunctionName: functionName,
      Payload: new TextEncoder().encode(JSON.stringify(payload)),
    }),
  );
  const text = result.Payload ? new TextDecoder().decode(result.Payload) : '';
  if (result.FunctionError)
    throw new Error(`the worker failed (${result.FunctionError}): ${text.slice(0, 500)}`);
  const reply = JSON.parse(text) as Partial<SyncRunReply>;
  if (typeof reply.runId !== 'string' || typeof reply.kind !== 'string') {
    throw new Error(`the worker's answer is not a sync run's: ${text.slice(0, 200)}`);
  }
  return reply as SyncRunReply;
}

/** The worker's reply with the run read here (the reply stays small; the view is the API's to bound). */
async function answerOf(runtime: Runtime, reply: SyncRunReply): Promise<RunAnswer> {
  const base = { runId: reply.runId, created: reply.created };
  const view = await runtime.getRun(reply.runId);
  if (view === undefined || reply.kind === 'pending')
    return { ...base, kind: 'pending', ...(view ? { view } : {}) };
  if (reply.kind === 'answered') return { ...base, kind: 'answered', view, pending: reply.pending ?? [] };
  return { ...base, kind: 'settled', view };
}
