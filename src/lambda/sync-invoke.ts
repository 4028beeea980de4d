import type { LambdaClient } from '@aws-sdk/client-lambda';
import { lambdaInvoker } from '../runtime/lambda-invoker.ts';
import type { EngineLogger } from '../runtime/metrics.ts';
import { runIdOf } from '../runtime/run-ids.ts';
import type { Json, PlanCatalog, RunAnswer, Runtime } from '../runtime/types.ts';
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
    const runId = runIdOf(request);
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

/** Invokes the worker with the submission (the same synchronous Invoke as a `lambda:` task's) and checks its reply. */
async function invoke(
  lambda: LambdaClient,
  functionName: string,
  payload: SyncRunInvocation,
): Promise<SyncRunReply> {
  // the API function's own timeout bounds the call: nothing aborts it sooner
  const result = await lambdaInvoker(lambda)(
    functionName,
    payload as unknown as Json,
    new AbortController().signal,
  );
  const reply = result as Partial<SyncRunReply> | null;
  if (typeof reply?.runId !== 'string' || typeof reply.kind !== 'string') {
    throw new Error(`the worker's answer is not a sync run's: ${JSON.stringify(result).slice(0, 200)}`);
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
