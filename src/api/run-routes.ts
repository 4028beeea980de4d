import type { PlanCatalog, Runtime } from '../runtime/types.ts';
import { type ApiAuthorization, listsWorkflow, missingScope } from './authorization.ts';
import { type Parsed, problemResult, readEventBody } from './body-limits.ts';
import { type ApiEvent, type ApiResult, errorResult, header, json, queryParameters } from './http.ts';
import {
  isValidId,
  MAX_SUBMIT_WAIT_SECONDS,
  parseIdempotencyKey,
  parseSubmitBody,
  parseWait,
} from './request.ts';
import { type RunRoute, runPath } from './routes.ts';
import { redrive, rollback } from './run-control.ts';
import { getHistory, getRun, getTaskOutput, runNotFound, runViewResult } from './run-reads.ts';
import { boundRunView } from './view-budget.ts';

/** What the run routes need: the runtime, the deployed plans and how callers were authenticated. */
export interface RunRouteDeps {
  readonly runtime: Runtime;
  readonly plans: PlanCatalog;
  readonly authorization: ApiAuthorization;
  /**
   * Resolves when a run may have changed, or after `ms` (a local backend's `changed`): how `?wait=` learns
   * of the run's end. Absent (the Lambda function): the store is polled.
   */
  readonly changed?: (runId: string, ms: number) => Promise<void>;
}

/**
 * Answers a route under `/workflows/{name}/runs`. The caller's scope is checked first (a caller without it
 * learns nothing, not even whether the workflow exists); then a run of another workflow is answered like a
 * run that does not exist (404 `run.notFound`), whatever the route, before anything is read or changed.
 */
export async function answerRunRoute(
  deps: RunRouteDeps,
  route: RunRoute,
  event: ApiEvent,
): Promise<ApiResult> {
  const lacking = missingScope(deps.authorization, event, route);
  if (lacking !== undefined) return forbidden(event, lacking);
  if (route.name === 'submit') return submit(deps, route.workflow, event);
  const { runtime } = deps;
  const { runId } = route;
  if (!isValidId(runId) || (await runtime.workflowOf(runId)) !== route.workflow) return runNotFound(runId);
  switch (route.name) {
    case 'getRun':
      return getRun(runtime, runId);
    case 'history':
      return getHistory(runtime, runId, event);
    case 'taskOutput':
      return getTaskOutput(runtime, runId, route.taskId);
    case 'cancel': {
      const run = await runtime.cancel(runId);
      return run ? runViewResult(run) : runNotFound(runId);
    }
    case 'redrive':
      return redrive(runtime, runId, event);
    case 'rollback':
      return rollback(runtime, runId);
  }
}

/** 403 `auth.forbidden`, naming the scope the token lacks (RFC 6750's `insufficient_scope`). */
function forbidden(event: ApiEvent, scope: string): ApiResult {
  return errorResult(
    403,
    'auth.forbidden',
    `${event.requestContext.http.method} ${event.rawPath} needs the scope '${scope}', which the token does not hold`,
    { headers: { 'www-authenticate': `Bearer error="insufficient_scope", scope="${scope}"` } },
  );
}

async function submit(deps: RunRouteDeps, workflow: string, event: ApiEvent): Promise<ApiResult> {
  const body = chain(readEventBody(event), parseSubmitBody);
  if (!body.ok) return problemResult(body.problem);
  const key = parseIdempotencyKey(header(event, 'idempotency-key'));
  if (!key.ok) return problemResult(key.problem);
  const wait = parseWait(queryParameters(event).wait);
  if (!wait.ok) return problemResult(wait.problem);
  const { input, runId } = body.value;
  if (runId !== undefined && key.value !== undefined) {
    return errorResult(
      400,
      'request.invalid',
      "give either 'runId' in the body or an 'Idempotency-Key' header, not both: each alone makes the submission idempotent",
      { field: 'runId' },
    );
  }
  const plan = deps.plans.byName(workflow);
  if (plan === undefined) return unknownWorkflow(deps, workflow, event);
  const request = {
    workflow,
    input,
    ...(runId === undefined ? {} : { runId }),
    ...(key.value === undefined ? {} : { idempotencyKey: key.value }),
  };
  // a sync workflow's caller waits for its answer unless it asks otherwise (`?wait=0`: at once)
  const waitSeconds = wait.value ?? (plan.mode === 'sync' ? MAX_SUBMIT_WAIT_SECONDS : undefined);
  if (waitSeconds === undefined) {
    const result = await deps.runtime.submit(request);
    const location = runPath(workflow, result.runId);
    return json(
      result.created ? 201 : 200,
      { runId: result.runId, workflow, created: result.created },
      { location },
    );
  }
  const answer = await deps.runtime.run(request, {
    waitMs: waitSeconds * 1000,
    ...(deps.changed === undefined ? {} : { changed: deps.changed }),
  });
  const location = runPath(workflow, answer.runId);
  // settled (or a sync run's critical path final): the run as GET answers it (bounded); else a 202
  if (answer.kind !== 'pending') return json(200, boundRunView(answer.view), { location });
  return json(202, { runId: answer.runId, workflow, created: answer.created }, { location });
}

/** 404 `workflow.unknown`, listing the workflows this caller may see (`GET /workflows`'s list). */
function unknownWorkflow(deps: RunRouteDeps, workflow: string, event: ApiEvent): ApiResult {
  const known = deps.plans
    .list()
    .map((plan) => plan.name)
    .filter((name) => listsWorkflow(deps.authorization, event, name));
  const hint = known.length > 0 ? `; known workflows: ${known.join(', ')}` : '; no workflow is deployed';
  return errorResult(404, 'workflow.unknown', `no workflow named ${JSON.stringify(workflow)}${hint}`, {
    field: 'workflow',
  });
}

export function chain<A, B>(first: Parsed<A>, next: (value: A) => Parsed<B>): Parsed<B> {
  return first.ok ? next(first.value) : first;
}
