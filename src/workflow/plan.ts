/**
 * The compiled, executable form of a workflow: what the compiler produces and what the engine, the
 * deployment and the exporters consume. JSON-serialisable; durations are milliseconds.
 */

/** How failed attempts are retried. */
export interface RetryPolicy {
  /** Attempts in all, the first included; at least 1. */
  readonly maxAttempts: number;
  /** Delay before the second attempt. */
  readonly backoffMs: number;
  /** Each further delay is the previous one times this rate. */
  readonly backoffRate: number;
  /** Upper bound of any one delay; absent means unbounded. */
  readonly maxBackoffMs?: number;
  /** `full`: each delay is drawn uniformly from [0, delay]; `none`: the delay itself. */
  readonly jitter: 'full' | 'none';
  /** Error names that are retried; absent means every error. */
  readonly retryOn?: readonly string[];
}

/** The handler that undoes a succeeded task, and how it is retried. */
export interface PlannedCompensation {
  readonly handler: string;
  /** The task's own policy, or 3 attempts when the task declares none. */
  readonly retry: RetryPolicy;
}

export interface PlannedTask {
  readonly id: string;
  /** Position in the file, from 0. */
  readonly index: number;
  /** Export of the handlers module that runs it (defaults to the id). */
  readonly handler: string;
  /** Existing Lambda function (name or ARN) the worker invokes instead of a bundled handler. */
  readonly lambda?: string;
  /** Direct dependencies, in file order. */
  readonly deps: readonly string[];
  /** Tasks that list this one in their deps, in file order. */
  readonly dependents: readonly string[];
  /** Length of the longest dependency chain leading to this task; roots are level 0. */
  readonly level: number;
  readonly retry: RetryPolicy;
  /** Longest duration of one attempt. */
  readonly timeoutMs?: number;
  /** Longest silence of a running attempt before it is treated as lost. */
  readonly heartbeatMs?: number;
  readonly compensation?: PlannedCompensation;
  /** JSONata condition over `{ input, deps }`: false skips the task (and what depends only on it). */
  readonly when?: string;
  /** A durable timer instead of a handler: for a duration, or until a time (ISO, or a `${ }` template). */
  readonly sleep?: PlannedSleep;
  /** Waits for an external completion (`POST /callbacks/{token}`) instead of checkpointing a result. */
  readonly callback?: PlannedCallback;
  /** Runs another workflow as a child run and takes its output (or fails with its error). */
  readonly child?: PlannedChild;
  /**
   * Where the handler runs, when not in the worker's own process (`isolation: none`, absent here): a worker
   * thread, or a process of its own (a child process locally; on AWS, the task's `lambda:` function).
   */
  readonly isolation?: 'thread' | 'process';
  /** Runs the handler once per item of a list; the output is the items' outputs, in order. */
  readonly map?: PlannedMap;
  /** At most `limit` attempts of this task in flight at once across all runs (per key). */
  readonly concurrency?: PlannedConcurrency;
  /**
   * Pessimistic locks held for each attempt: `${ }` templates over `{ input, deps }` naming keys shared by
   * every run of every workflow of the deployment; taken all at once, in one order, before the attempt.
   */
  readonly locks?: readonly string[];
  /** `async` in a `mode: sync` workflow: off the critical path, run through the queue, not waited for. */
  readonly mode?: 'async';
}

/**
 * A concurrency limit: at most `limit` holders at once per key; the others wait, first come first served,
 * holding no worker, and are woken when a slot frees.
 */
export interface PlannedConcurrency {
  readonly limit: number;
  /** A `${ }` template over `{ input, deps }` (a run's over `{ input }`); absent: one key for all. */
  readonly key?: string;
}

/**
 * A map task: its attempt evaluates `items` once and records them; each item is then a task of its own
 * (retried per the task's policy, checkpointed one by one), at most `maxConcurrency` at once, and the map
 * succeeds once every item has ended with at most `tolerated` failures.
 */
export interface PlannedMap {
  /** JSONata over `{ input, deps }` giving an array. */
  readonly items: string;
  readonly maxConcurrency: number;
  /** Failed items the map tolerates: a count, or a percentage of the items. */
  readonly tolerated: { readonly count: number } | { readonly percent: number };
}

/**
 * A child workflow task: its attempt starts a run of `workflow` (an id derived from the parent's, so the
 * start is idempotent) and waits, holding no worker, until that run ends.
 */
export interface PlannedChild {
  readonly workflow: string;
  /** JSONata over `{ input, deps }` giving the child's input; absent: the parent run's input. */
  readonly input?: string;
}

/**
 * A callback task: its attempt runs its handler (when it has one) with a single-use token, then waits,
 * holding no worker, until the token completes it with an output or an error, or the wait times out.
 */
export interface PlannedCallback {
  /** Whether a handler (or a Lambda function) runs first, given the token; without one the task only waits. */
  readonly handler: boolean;
  /** Longest wait, from when it starts; absent: no limit but the run's timeout. */
  readonly timeoutMs?: number;
  /** Longest silence between heartbeats (`POST /callbacks/{token}/heartbeat`) while waiting. */
  readonly heartbeatMs?: number;
}

/**
 * Where a task runs locally, with no Lambda client: a `lambda:` task runs a stand-in export of the module
 * named after its id (its `handler`), like a task with a handler.
 */
export function runsHandlerLocally(task: PlannedTask): boolean {
  return runsModuleHandler(task) || task.lambda !== undefined;
}

/** Whether a task runs a handler of the module (not a `lambda:`, a sleep or a callback without handler). */
export function runsModuleHandler(task: PlannedTask): boolean {
  return (
    task.lambda === undefined &&
    task.sleep === undefined &&
    task.child === undefined &&
    task.callback?.handler !== false
  );
}

/**
 * How a child workflow task without a `compensation` of its own is undone: its child run's rollback (no
 * handler runs; the name is what the run view shows), retried like a compensation by default.
 */
export const CHILD_ROLLBACK: PlannedCompensation = {
  handler: '(child rollback)',
  retry: { maxAttempts: 3, backoffMs: 1000, backoffRate: 2, jitter: 'full' },
};

/** What undoes a succeeded task on rollback: its `compensation`, a child's rollback, or nothing. */
export function compensationOf(task: PlannedTask): PlannedCompensation | undefined {
  return task.compensation ?? (task.child ? CHILD_ROLLBACK : undefined);
}

/** How long a sleep task sleeps: `ms` from when it became ready, or `until` a time. */
export type PlannedSleep = { readonly ms: number } | { readonly until: string };

/** An EventBridge event pattern that starts a run, and how the event becomes the run's input. */
export interface PlannedTrigger {
  /** EventBridge event pattern, as written. */
  readonly pattern: Readonly<Record<string, unknown>>;
  /**
   * Run input built from the event: each value is a JSONPath into the event (`$.detail.user`), or a
   * literal. Absent: the input is the event's `detail`.
   */
  readonly input?: Readonly<Record<string, unknown>>;
}

export interface Plan {
  readonly name: string;
  readonly description?: string;
  /** Content hash (sha256, hex) of the normalised definition: a run pins the exact plan it started with. */
  readonly version: string;
  /** Longest duration of a whole run. */
  readonly timeoutMs?: number;
  /**
   * `pause`: a task failing for good pauses the run (nothing compensated) until a redrive or a rollback;
   * absent: the run rolls back at once.
   */
  readonly onFailure?: 'pause';
  /**
   * `sync`: the process that accepts a submission runs the run's tasks itself and answers when they are
   * final (the Saga included); absent: every task goes through the queue and the submission is answered
   * at once.
   */
  readonly mode?: 'sync';
  /**
   * In a `sync` workflow, the tasks off its critical path: those with `mode: async` and those whose deps
   * are all off it. They run through the queue; the answer does not wait for them.
   */
  readonly offPath?: readonly string[];
  /** At most `limit` runs of this workflow in flight at once per key; more wait, in order. */
  readonly concurrency?: PlannedConcurrency;
  /** Every task by id, in file order. */
  readonly tasks: Readonly<Record<string, PlannedTask>>;
  /** Tasks without deps, in file order. */
  readonly roots: readonly string[];
  /** Tasks without dependents, in file order. */
  readonly sinks: readonly string[];
  /** Topological order (Kahn's algorithm, ties broken by file order). */
  readonly order: readonly string[];
  /** Tasks grouped by level. */
  readonly levels: readonly (readonly string[])[];
  /** The longest dependency chain, root first. */
  readonly criticalPath: readonly string[];
  /** Events that start runs (`on:`). */
  readonly triggers: readonly PlannedTrigger[];
  /** `rate(...)` or `cron(...)` expressions that start runs (`schedule:`). */
  readonly schedules: readonly string[];
}
