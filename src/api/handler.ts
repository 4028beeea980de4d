import { UserInputError, WeftError } from '../errors.ts';
import type { CallbackAnswer, PlanCatalog, Runtime } from '../runtime/types.ts';
import type { Plan } from '../workflow/plan.ts';
import { type ApiAuthorization, listsWorkflow } from './authorization.ts';
import { problemResult, readEventBody } from './body-limits.ts';
import { parseCallbackBody } from './callback-body.ts';
import { type ApiEvent, type ApiResult, errorResult, json } from './http.ts';
import { isRetiredRunPath, matchRoute, type Route } from './routes.ts';
import { answerRunRoute, chain } from './run-routes.ts';

/** Where the API handler reports what it could not answer (a 500). */
export interface ApiLogger {
  error(message: string, fields: Record<string, unknown>): void;
}

export interface ApiHandlerDeps {
  readonly runtime: Runtime;
  readonly plans: PlanCatalog;
  /** Receives unexpected failures; silent by default. */
  readonly logger?: ApiLogger;
  /**
   * How API Gateway authenticated the caller, which says what is left to check here: `jwt` checks each
   * run route's scope (`weft:<action>:<workflow>`, see authorization.ts); `iam` and `none` (`weft dev`)
   * check nothing more. @default 'none'
   */
  readonly authorization?: ApiAuthorization;
  /**
   * Resolves when a run may have changed, or after `ms` at the latest: lets `POST .../runs?wait=` answer as
   * soon as the run ends (`weft dev` passes its backend's). Absent: the wait polls the store.
   */
  readonly changed?: (runId: string, ms: number) => Promise<void>;
}

/** An API Gateway HTTP API (payload v2) handler. */
export type ApiHandler = (event: ApiEvent) => Promise<ApiResult>;

/**
 * Builds the weft HTTP API (`API_ROUTES`): a workflow's runs under `/workflows/{name}/runs` (submit, with
 * `?wait=<seconds>` to answer with the final run when it ends within the wait, read,
 * history in pages, a task's output, cancel, redrive, rollback), `GET /workflows`, `POST /callbacks/{token}`
 * and its `/heartbeat`. A run is reachable only through its own workflow's routes. Every answer stays under
 * Lambda's 6 MB (run views are bounded, history comes in pages). Client mistakes are 4xx with a JSON body
 * naming the problem; only a failure of weft itself is a 500.
 *
 * @example
 * export const handler = createApiHandler({ runtime, plans });
 * await handler({ rawPath: '/workflows', requestContext: { http: { method: 'GET' } } });
 */
export function createApiHandler(options: ApiHandlerDeps): ApiHandler {
  const deps = { ...options, authorization: options.authorization ?? 'none' };
  return async (event) => {
    const match = matchRoute(event.requestContext.http.method, event.rawPath);
    if (match.kind === 'notFound') {
      const moved = isRetiredRunPath(event.rawPath)
        ? '; runs are addressed through their workflow: POST /workflows/{name}/runs, GET /workflows/{name}/runs/{id}, ...'
        : '';
      return errorResult(
        404,
        'route.notFound',
        `no route for ${event.requestContext.http.method} ${event.rawPath}${moved}`,
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

type Deps = ApiHandlerDeps & { readonly authorization: ApiAuthorization };

async function answer(deps: Deps, route: Route, event: ApiEvent): Promise<ApiResult> {
  switch (route.name) {
    case 'listWorkflows': {
      const visible = deps.plans.list().filter((plan) => listsWorkflow(deps.authorization, event, plan.name));
      return json(200, { workflows: visible.map(describePlan) });
    }
    case 'completeCallback': {
      const body = chain(readEventBody(event), parseCallbackBody);
      if (!body.ok) return problemResult(body.problem);
      return callbackResult(await deps.runtime.completeCallback(route.token, body.value));
    }
    case 'heartbeatCallback':
      return callbackResult(await deps.runtime.heartbeatCallback(route.token));
    default:
      return answerRunRoute(deps, route, event);
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

function describePlan(plan: Plan): Record<string, unknown> {
  return {
    name: plan.name,
    ...(plan.description === undefined ? {} : { description: plan.description }),
    version: plan.version,
    // a sync workflow's submission is answered when its run is final; `asyncTasks` run after the answer
    mode: plan.mode ?? 'async',
    ...(plan.mode === 'sync' ? { asyncTasks: plan.offPath ?? [] } : {}),
    tasks: plan.order,
    triggers: plan.triggers.length,
    schedules: plan.schedules,
  };
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
