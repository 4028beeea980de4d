/**
 * The run view as the HTTP API sends it: bounded, so that no answer reaches Lambda's 6 MB response limit
 * (a run's outputs alone can be many times that: 25 tasks may each return 300 KB).
 */
import type { RunView, TaskView } from '../runtime/types.ts';
import { runPath } from './routes.ts';

/** The input and task outputs one run view carries inline, at most: 1 MiB of their JSON, in UTF-8 bytes. */
export const VIEW_VALUE_BUDGET_BYTES = 1024 * 1024;

/**
 * The largest run view the API sends with its tasks: 4 MiB. A view still larger once its outputs are linked
 * (a plan of tens of thousands of tasks) is sent without its tasks and compensations.
 */
export const MAX_VIEW_BYTES = 4 * 1024 * 1024;

/** A task output the view left out: its size, and the route that returns it. */
export interface OmittedOutput {
  /** The output's size as JSON text, in UTF-8 bytes. */
  readonly bytes: number;
  /** `GET` it relative to the API's base URL: `/workflows/{name}/runs/{id}/tasks/{taskId}/output`. */
  readonly href: string;
}

/** A task as the API shows it: its output inline, or `outputOmitted` in its place. */
export interface ApiTaskView extends TaskView {
  readonly outputOmitted?: OmittedOutput;
}

/** A run as the API shows it (`GET /workflows/{name}/runs/{id}`, and the answers of cancel, redrive and rollback). */
export interface ApiRunView extends Omit<RunView, 'tasks'> {
  readonly tasks: Readonly<Record<string, ApiTaskView>>;
  /**
   * Set when even with its outputs linked the view would exceed {@link MAX_VIEW_BYTES}: `tasks` is then `{}`
   * and `compensations` `[]`; this says how many there are and how large the whole list is.
   */
  readonly tasksOmitted?: { readonly count: number; readonly compensations: number; readonly bytes: number };
}

export interface ViewLimits {
  /** @default VIEW_VALUE_BUDGET_BYTES */
  readonly valueBudgetBytes?: number;
  /** @default MAX_VIEW_BYTES */
  readonly maxViewBytes?: number;
}

/** The route that returns one task's output. */
export function outputHref(workflow: string, runId: string, taskId: string): string {
  return `${runPath(workflow, runId)}/tasks/${encodeURIComponent(taskId)}/output`;
}

/** The UTF-8 size of a value's JSON text: what it adds to an answer's body. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '');
}

/**
 * Bounds a run view for an HTTP answer. The input always stays (at most 256 KB through the API, 400 KB in a
 * DynamoDB item) and counts first against the value budget; then the tasks' outputs, in the view's task
 * order, each kept while it fits in what is left and replaced by `outputOmitted` otherwise (a smaller one
 * further on may still fit). So the body is at most the budget plus the rest of the view, and never more than
 * `maxViewBytes`: past it, the tasks are left out (`tasksOmitted`).
 *
 * @example
 * boundRunView(view).tasks.report; // { status: 'succeeded', attempts: 1, outputOmitted: { bytes: 296960, href: '/workflows/reports/runs/r1/tasks/report/output' } }
 */
export function boundRunView(view: RunView, limits: ViewLimits = {}): ApiRunView {
  let left = (limits.valueBudgetBytes ?? VIEW_VALUE_BUDGET_BYTES) - jsonBytes(view.input);
  // entries, not assignments: a task may be called `__proto__`
  const entries: [string, ApiTaskView][] = [];
  for (const [taskId, task] of Object.entries(view.tasks)) {
    if (task.output === undefined) {
      entries.push([taskId, task]);
      continue;
    }
    const bytes = jsonBytes(task.output);
    if (bytes <= left) {
      left -= bytes;
      entries.push([taskId, task]);
      continue;
    }
    const { output: _linked, ...rest } = task;
    entries.push([
      taskId,
      { ...rest, outputOmitted: { bytes, href: outputHref(view.workflow, view.runId, taskId) } },
    ]);
  }
  const tasks = Object.fromEntries(entries);
  const bounded: ApiRunView = { ...view, tasks };
  const bytes = jsonBytes(bounded);
  if (bytes <= (limits.maxViewBytes ?? MAX_VIEW_BYTES)) return bounded;
  return {
    ...view,
    tasks: {},
    compensations: [],
    tasksOmitted: { count: entries.length, compensations: view.compensations.length, bytes },
  };
}
