import { UserInputError, WeftError } from '../errors.ts';
import type { CallbackAnswer, PlanCatalog, Runtime } from '../runtime/types.ts';
import type { Plan } from '../workflow/plan.ts';
import { type Parsed, problemResult, readEventBody } from './body-limits.ts';
import { parseCallbackBody } from './callback-body.ts';
import { type ApiEvent, type ApiResult, errorResult, header, json } from './http.ts';
import { isValidId, parseIdempotencyKey, parseSubmitBody } from './request.ts';
import { matchRoute, type Route } from './routes.ts';
import { redrive, rollback } from './run-control.ts';
import { getHistory, getRun, getTaskOutput, runNotFound, runViewResult } from './run-reads.ts';

/** Where the API handler reports what it could not answer (a 500). */
export interface ApiLogger {
  error(message: string, fields: Record<string, unknown>): void;
}

export interface ApiHandlerDeps {
  readonly runtime: Runtime;
  readonly plans: PlanCatalog;
  /** Receives unexpected failures; silent by default. */
  readonly logger?: ApiLogger;
}

/** An API Gateway HTTP API (payload v2) handler. */
export type ApiHandler = (event: ApiEvent) => Promise<ApiResult>;

/**
 * Builds the weft HTTP API: `POST /runs`, `GET /runs/{id}`, `GET /runs/{id}/history` (paged),
 * `GET /runs/{id}/tasks/{taskId}/output`, `POST /runs/{id}/cancel`, `/redrive` and `/rollback`,
 * `GET /workflows`, `POST /callbacks/{token}` and its `/heartbeat`. Every answer stays under Lambda's 6 MB
 * (run views are bounded, history comes in pages). Client mistakes are 4xx with a JSON body naming the
 * problem; only a failure of weft itself is a 500.
 *
 * @example
 * export const handler = createApiHandler({ runtime, plans });
 * await handler({ rawPath: '/workflows', requestContext: { http: { method: 'GET' } } });
 */
export function createApiHandler(deps: ApiHandlerDeps): ApiHandler {
  return async (event) => {
    const match = matchRoute(event.requestContext.http.method, event.rawPath);
    if (match.kind === 'notFound') {
      return errorResult(
        404,
        'route.notFound',
        `no route for ${event.requestContext.http.method} ${event.rawPath}`,
      );
    }
    if (match.kind === 'methodNotAllowed') {
      return errorResult(
        405,
        'route.methodNotAllowed',
        `${event.requestContext.http.method} is not allowed on ${event.rawPath}; use ${match.allow.join(' or ')}`,
        { headers: { allow: match.allow.join(', ') } },
      );
    }
    try {
      return await answer(deps, match.route, event);
    } catch (error) {
      return fromError(deps, error, event);
    }
  };
}

async function answer(deps: ApiHandlerDeps, route: Route, event: ApiEvent): Promise<ApiResult> {
  switch (route.name) {
    case 'listWorkflows':
      return json(200, { workflows: deps.plans.list().map(describePlan) });
    case 'submit':
      return submit(deps, event);
    case 'getRun':
      return getRun(deps.runtime, route.runId);
    case 'history':
      return getHistory(deps.runtime, route.runId, event);
    case 'taskOutput':
      return getTaskOutput(deps.runtime, route.runId, route.taskId);
    case 'cancel': {
      const run = isValidId(route.runId) ? await deps.runtime.cancel(route.runId) : undefined;
      return run ? runViewResult(run) : runNotFound(route.runId);
    }
    case 'redrive':
      return redrive(deps.runtime, route.runId, event);
    case 'rollback':
      return rollback(deps.runtime, route.runId);
    case 'completeCallback': {
      const body = chain(readEventBody(event), parseCallbackBody);
      if (!body.ok) return problemResult(body.problem);
      return callbackResult(await deps.runtime.completeCallback(route.token, body.value));
    }
    case 'heartbeatCallback':
      return callbackResult(await deps.runtime.heartbeatCallback(route.token));
  }
}

/** A callback's answer: 200 once accepted, 404 for a token weft does not know, 409 once it is spent. */
function callbackResult(answer: CallbackAnswer): ApiResult {
  switch (answer.kind) {
    case 'accepted':
      return json(200, { runId: answer.runId, taskId: answer.taskId, status: answer.status });
    case 'notFound':
      return errorResult(404, 'callback.notFound', 'no callback task waits for this token');
    case 'closed':
      return errorResult(
        409,
        'callback.closed',
        `the callback of task '${answer.taskId}' in run ${answer.runId} is no longer open (the task is ${answer.status}): ` +
          'a token completes its attempt once, and a retried attempt has a new token',
      );
    case 'invalid':
      return errorResult(400, 'callback.invalid', answer.message, { field: 'output' });
  }
}

async function submit(deps: ApiHandlerDeps, event: ApiEvent): Promise<ApiResult> {
  const body = chain(readEventBody(event), parseSubmitBody);
  if (!body.ok) return problemResult(body.problem);
  const key = parseIdempotencyKey(header(event, 'idempotency-key'));
  if (!key.ok) return problemResult(key.problem);
  const { workflow, input, runId } = body.value;
  if (runId !== undefined && key.value !== undefined) {
    return errorResult(
      400,
      'request.invalid',
      "give either 'runId' in the body or an 'Idempotency-Key' header, not both: each alone makes the submission idempotent",
      { field: 'runId' },
    );
  }
  if (deps.plans.byName(workflow) === undefined) return unknownWorkflow(deps, workflow);
  const result = await deps.runtime.submit({
    workflow,
    input,
    ...(runId === undefined ? {} : { runId }),
    ...(key.value === undefined ? {} : { idempotencyKey: key.value }),
  });
  return json(
    result.created ? 201 : 200,
    { runId: result.runId, workflow, created: result.created },
    { location: `/runs/${encodeURIComponent(result.runId)}` },
  );
}

function describePlan(plan: Plan): Record<string, unknown> {
  return {
    name: plan.name,
    ...(plan.description === undefined ? {} : { description: plan.description }),
    version: plan.version,
    tasks: plan.order,
    triggers: plan.triggers.length,
    schedules: plan.schedules,
  };
}

function chain<A, B>(first: Parsed<A>, next: (value: A) => Parsed<B>): Parsed<B> {
  return first.ok ? next(first.value) : first;
}

function unknownWorkflow(deps: ApiHandlerDeps, workflow: string): ApiResult {
  const known = deps.plans.list().map((plan) => plan.name);
  const hint = known.length > 0 ? `; known workflows: ${known.join(', ')}` : '; no workflow is deployed';
  return errorResult(404, 'workflow.unknown', `no workflow named ${JSON.stringify(workflow)}${hint}`, {
    field: 'workflow',
  });
}

/** Maps the runtime's typed errors to client answers; anything else is weft's own failure. */
function fromError(deps: ApiHandlerDeps, error: unknown, event: ApiEvent): ApiResult {
  if (error instanceof WeftError) {
    if (error.code === 'run.conflict') return errorResult(409, error.code, error.message);
    if (error.code === 'workflow.unknown')
      return errorResult(404, error.code, error.message, { field: 'workflow' });
    if (error instanceof UserInputError)
      return errorResult(isStateDirError(error) ? 503 : 400, error.code, error.message);
  }
  const requestId = event.requestContext.requestId;
  deps.logger?.error('API request failed', {
    error:
      error instanceof Error
        ? { name: error.name, message: error.message, stack: error.stack }
        : String(error),
    method: event.requestContext.http.method,
    path: event.rawPath,
    requestId,
  });
  return errorResult(
    500,
    'internal',
    `weft failed to handle the request${requestId ? ` (request id ${requestId})` : ''}; it was logged`,
  );
}

/**
 * `weft dev`'s state dir failing (a full disk, a damaged database: `stateDir.*`) is explained to the user
 * but is no fault of the request: 503.
 */
export function isStateDirError(error: WeftError): boolean {
  return error.code.startsWith('stateDir.');
}
