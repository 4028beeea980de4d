import type { Runtime, RunView } from '../runtime/types.ts';
import { problemResult } from './body-limits.ts';
import { encodeCursor, historyPage, parseHistoryQuery } from './history-page.ts';
import { type ApiEvent, type ApiResult, errorResult, json, queryParameters } from './http.ts';
import { isValidId } from './request.ts';
import { boundRunView } from './view-budget.ts';

/** A run as every route that answers with one sends it: bounded (see {@link boundRunView}). */
export function runViewResult(view: RunView): ApiResult {
  return json(200, boundRunView(view));
}

/** `GET /workflows/{name}/runs/{id}`. */
export async function getRun(runtime: Runtime, runId: string): Promise<ApiResult> {
  const view = isValidId(runId) ? await runtime.getRun(runId) : undefined;
  return view ? runViewResult(view) : runNotFound(runId);
}

/**
 * `GET /workflows/{name}/runs/{id}/tasks/{taskId}/output`: `{ runId, taskId, output }`, the output a run view links with
 * `outputOmitted` (at most 300 KB: the engine's limit on one output); 404 for an unknown run or task, or a
 * task with no output yet.
 */
export async function getTaskOutput(runtime: Runtime, runId: string, taskId: string): Promise<ApiResult> {
  const view = isValidId(runId) ? await runtime.getRun(runId) : undefined;
  if (!view) return runNotFound(runId);
  const task = Object.hasOwn(view.tasks, taskId) ? view.tasks[taskId] : undefined;
  if (!task) {
    return errorResult(
      404,
      'task.notFound',
      `run ${JSON.stringify(runId)} (workflow ${view.workflow}) has no task ${JSON.stringify(taskId)}`,
    );
  }
  if (task.output === undefined) {
    return errorResult(
      404,
      'task.noOutput',
      `task ${JSON.stringify(taskId)} of run ${JSON.stringify(runId)} has no output: it is ${task.status} ` +
        '(a task has an output once it succeeded)',
    );
  }
  return json(200, { runId, taskId, output: task.output });
}

/** `GET /workflows/{name}/runs/{id}/history?limit=&next=`: `{ runId, events, next? }`, one page in Lamport order. */
export async function getHistory(runtime: Runtime, runId: string, event: ApiEvent): Promise<ApiResult> {
  const query = parseHistoryQuery(runId, queryParameters(event));
  if (!query.ok) return problemResult(query.problem);
  const events = isValidId(runId) ? await runtime.history(runId) : undefined;
  if (!events) return runNotFound(runId);
  const page = historyPage(events, query.value);
  return json(200, {
    runId,
    events: page.events,
    ...(page.next === undefined ? {} : { next: encodeCursor(runId, page.next) }),
  });
}

export function runNotFound(runId: string): ApiResult {
  return errorResult(404, 'run.notFound', `no run with id ${JSON.stringify(runId)}`);
}
