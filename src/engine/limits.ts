import type { Plan, PlannedTask } from '../workflow/plan.ts';

/** DynamoDB's item limit is 400 KB; this much of it is left for task outputs and the copies of them. */
export const ITEM_OUTPUT_BUDGET_BYTES = 350 * 1024;
/** No single output may be larger, whatever the graph. */
export const MAX_OUTPUT_BYTES = 300 * 1024;

/**
 * The largest output `taskId` may return. A task's item holds its own output and a copy of each
 * dependency's output, so every item must fit: each task gets an equal share of the budget of its own item
 * and of every dependent's item.
 *
 * @example
 * // a join with 200 dependencies: each of them may return about 1.7 KB
 * outputLimitBytes(plan, 'branch_7');
 */
export function outputLimitBytes(plan: Plan, taskId: string): number {
  const task = plan.tasks[taskId];
  if (!task) return MAX_OUTPUT_BYTES;
  let limit = Math.min(MAX_OUTPUT_BYTES, share(task));
  for (const dependentId of task.dependents) {
    const dependent = plan.tasks[dependentId];
    if (dependent) limit = Math.min(limit, share(dependent));
  }
  return limit;
}

function share(task: PlannedTask): number {
  return Math.floor(ITEM_OUTPUT_BUDGET_BYTES / (task.deps.length + 1));
}

/** The size DynamoDB is charged for a string attribute: its UTF-8 bytes. */
export function utf8Bytes(text: string): number {
  return new TextEncoder().encode(text).length;
}

/** Formats a byte count for messages: `812 B`, `301.5 KB`, `2.1 MB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** Default lease of an attempt whose task declares neither a timeout nor a heartbeat. */
export const DEFAULT_LEASE_MS = 5 * 60 * 1000;
/** Slack added to a timeout before the lease lapses, so a timely failure write wins over a takeover. */
export const LEASE_GRACE_MS = 5 * 1000;
/** Takeovers of lost attempts allowed before the task fails with `TaskLostError` (a poison task). */
export const MAX_TAKEOVERS = 5;

/**
 * How long a claim holds a task before another worker may take it over: the heartbeat interval when the
 * task declares one (each `heartbeat()` renews it), else its timeout plus grace, else a default.
 */
export function leaseMs(task: Pick<PlannedTask, 'timeoutMs' | 'heartbeatMs'>): number {
  if (task.heartbeatMs !== undefined) return task.heartbeatMs;
  if (task.timeoutMs !== undefined) return task.timeoutMs + LEASE_GRACE_MS;
  return DEFAULT_LEASE_MS;
}

/**
 * How often the worker renews the lease itself: only for tasks with neither a timeout nor a heartbeat,
 * whose default lease would otherwise lapse under a long but healthy attempt. A dead worker stops renewing,
 * so its attempt is still taken over once the lease runs out.
 */
export function autoRenewMs(task: Pick<PlannedTask, 'timeoutMs' | 'heartbeatMs'>): number | undefined {
  if (task.heartbeatMs !== undefined || task.timeoutMs !== undefined) return undefined;
  return Math.floor(DEFAULT_LEASE_MS / 3);
}

/**
 * The largest run input, as canonical JSON: the API's own body limit, so an input the API accepts fits a
 * task message (the worker reads the run for inputs over 64 KB) and the run's item with room to spare.
 */
export const MAX_INPUT_BYTES = 256 * 1024;

/** Why an input is refused, or undefined when it fits. */
export function inputTooLarge(input: string): string | undefined {
  const size = utf8Bytes(input);
  if (size <= MAX_INPUT_BYTES) return undefined;
  return (
    `the run's input is ${formatBytes(size)} as JSON, more than the ${formatBytes(MAX_INPUT_BYTES)} a run takes; ` +
    'store large data elsewhere (e.g. S3) and pass a reference'
  );
}
