import { createHash } from 'node:crypto';
import { type Diagnostic, sortDiagnostics, WorkflowError } from './diagnostic.ts';
import { parseDuration } from './duration.ts';
import { checkExpressions } from './expression-checks.ts';
import { checkGraph } from './graph-checks.ts';
import { checkModes } from './mode-checks.ts';
import type {
  Plan,
  PlannedCallback,
  PlannedConcurrency,
  PlannedMap,
  PlannedTask,
  PlannedTrigger,
  RetryPolicy,
} from './plan.ts';
import {
  type Definition,
  definitionSchema,
  type RetryPolicyDefinition,
  type TaskDefinition,
} from './schema.ts';
import { schemaDiagnostics } from './schema-issues.ts';
import { parseSource } from './source.ts';
import { computeLevels, criticalPath, type IndexedGraph, topologicalOrder } from './topology.ts';

/** A compiled plan, or every mistake found in the file. */
export type CompileResult = { ok: true; plan: Plan } | { ok: false; diagnostics: readonly Diagnostic[] };

/** Defaults of the language, documented in docs/workflow-language.md. */
export const DEFAULT_BACKOFF_MS = 1000;
export const DEFAULT_BACKOFF_RATE = 2;
/** Attempts of a compensation when its task declares no retry policy. */
export const DEFAULT_COMPENSATION_ATTEMPTS = 3;

/**
 * Parses, validates and compiles a workflow file's text. Pure: the file name only labels diagnostics and
 * picks the parser (`.json` skips the YAML parser).
 *
 * @example
 * const result = compileSource(text, 'workflows/loan.yaml');
 * if (!result.ok) for (const d of result.diagnostics) console.error(formatDiagnostic(d));
 */
export function compileSource(text: string, file: string): CompileResult {
  const parsed = parseSource(text, file);
  if (!parsed.ok) return { ok: false, diagnostics: sortDiagnostics(parsed.diagnostics) };
  const { source } = parsed;
  const checked = definitionSchema.safeParse(source.value);
  const { diagnostics, graph } = checkGraph(source, file);
  diagnostics.push(...checkExpressions(source, text, file), ...checkModes(source, file));
  if (!checked.success) diagnostics.push(...schemaDiagnostics(checked.error.issues, source, file));
  if (diagnostics.length > 0 || !checked.success)
    return { ok: false, diagnostics: sortDiagnostics(diagnostics) };
  return { ok: true, plan: buildPlan(checked.data, graph) };
}

/**
 * Like `compileSource`, but returns the plan or throws a `WorkflowError` carrying every diagnostic.
 *
 * @example
 * const plan = loadPlan(await readFile(path, 'utf8'), path);
 */
export function loadPlan(text: string, file: string): Plan {
  const result = compileSource(text, file);
  if (!result.ok) throw new WorkflowError(result.diagnostics);
  return result.plan;
}

/** Compiles a definition that passed the schema and the graph checks. */
export function buildPlan(definition: Definition, graph: IndexedGraph): Plan {
  const { workflow } = definition;
  const ids = workflow.tasks.map((task) => task.id);
  const { order } = topologicalOrder(graph);
  const levels = computeLevels(graph, order);
  const names = (indices: readonly number[]) => indices.map((index) => ids[index] ?? '');
  const tasks: Record<string, PlannedTask> = {};
  workflow.tasks.forEach((task, index) => {
    tasks[task.id] = planTask(
      task,
      index,
      names(graph.deps[index] ?? []),
      names(graph.dependents[index] ?? []),
      levels[index] ?? 0,
    );
  });
  const byLevel: string[][] = Array.from({ length: Math.max(-1, ...levels) + 1 }, () => []);
  levels.forEach((level, index) => {
    byLevel[level]?.push(ids[index] ?? '');
  });
  const triggers: PlannedTrigger[] = (workflow.on ?? []).map((trigger) =>
    trigger.input === undefined
      ? { pattern: trigger.pattern }
      : { pattern: trigger.pattern, input: trigger.input },
  );
  const schedules = workflow.schedule === undefined ? [] : [workflow.schedule].flat();
  const body = {
    name: workflow.name,
    ...(workflow.description === undefined ? {} : { description: workflow.description }),
    ...msField('timeoutMs', workflow.timeout),
    ...(workflow.on_failure === 'pause' ? { onFailure: 'pause' as const } : {}),
    ...(workflow.mode === 'sync' ? { mode: 'sync' as const } : {}),
    ...(workflow.concurrency === undefined ? {} : { concurrency: plannedConcurrency(workflow.concurrency) }),
  };
  const version = planVersion(body, Object.values(tasks), triggers, schedules);
  const taskOrder = names(order);
  return {
    ...body,
    version,
    ...(body.mode === 'sync' ? { offPath: offCriticalPath(tasks, taskOrder) } : {}),
    tasks,
    roots: ids.filter((_, index) => (graph.deps[index] ?? []).length === 0),
    sinks: ids.filter((_, index) => (graph.dependents[index] ?? []).length === 0),
    order: taskOrder,
    levels: byLevel,
    criticalPath: names(criticalPath(graph, levels)),
    triggers,
    schedules,
  };
}

/**
 * A sync workflow's tasks off its critical path, in plan order: `mode: async` ones, and those whose deps
 * are all off it (a task with one dep on the path is on it, and so waits for its async deps).
 */
function offCriticalPath(tasks: Readonly<Record<string, PlannedTask>>, order: readonly string[]): string[] {
  const off = new Set<string>();
  for (const taskId of order) {
    const task = tasks[taskId];
    if (!task) continue;
    if (task.mode === 'async' || (task.deps.length > 0 && task.deps.every((dep) => off.has(dep)))) {
      off.add(taskId);
    }
  }
  return order.filter((taskId) => off.has(taskId));
}

function planTask(
  task: TaskDefinition,
  index: number,
  deps: string[],
  dependents: string[],
  level: number,
): PlannedTask {
  const retry = retryPolicy(task.retry_policy, 1);
  const planned: Mutable<PlannedTask> = {
    id: task.id,
    index,
    handler: task.handler ?? task.id,
    deps,
    dependents,
    level,
    retry,
  };
  if (task.lambda !== undefined) planned.lambda = task.lambda;
  if (task.timeout !== undefined) planned.timeoutMs = parseDuration(task.timeout);
  if (task.heartbeat !== undefined) planned.heartbeatMs = parseDuration(task.heartbeat);
  if (task.when !== undefined) planned.when = task.when;
  if (task.sleep !== undefined) planned.sleep = { ms: parseDuration(task.sleep) ?? 0 };
  if (task.sleep_until !== undefined) planned.sleep = { until: task.sleep_until };
  if (task.callback !== undefined) planned.callback = plannedCallback(task, task.callback);
  if (task.workflow !== undefined) {
    planned.child = { workflow: task.workflow, ...(task.input === undefined ? {} : { input: task.input }) };
  }
  if (task.map !== undefined) planned.map = plannedMap(task.map);
  if (task.concurrency !== undefined) planned.concurrency = plannedConcurrency(task.concurrency);
  if (task.locks !== undefined && task.locks.length > 0) planned.locks = [...task.locks];
  if (task.isolation !== undefined && task.isolation !== 'none') planned.isolation = task.isolation;
  if (task.mode === 'async') planned.mode = 'async';
  if (task.compensation !== undefined) {
    planned.compensation = {
      handler: task.compensation,
      retry: task.retry_policy === undefined ? retryPolicy(undefined, DEFAULT_COMPENSATION_ATTEMPTS) : retry,
    };
  }
  return planned;
}

function plannedCallback(
  task: TaskDefinition,
  callback: NonNullable<TaskDefinition['callback']>,
): PlannedCallback {
  const timeoutMs = callback.timeout === undefined ? undefined : parseDuration(callback.timeout);
  const heartbeatMs = callback.heartbeat === undefined ? undefined : parseDuration(callback.heartbeat);
  return {
    // without `handler:` or `lambda:` the task only waits (the id is no handler name by default here)
    handler: task.handler !== undefined || task.lambda !== undefined,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    ...(heartbeatMs === undefined ? {} : { heartbeatMs }),
  };
}

/** Items in flight at once when `max_concurrency` is not given (Step Functions' inline Map runs about 40). */
const DEFAULT_MAP_CONCURRENCY = 40;

function plannedMap(map: NonNullable<TaskDefinition['map']>): PlannedMap {
  const tolerated = map.tolerated_failures ?? 0;
  return {
    items: map.items,
    maxConcurrency: map.max_concurrency ?? DEFAULT_MAP_CONCURRENCY,
    tolerated:
      typeof tolerated === 'number' ? { count: tolerated } : { percent: Number.parseFloat(tolerated) },
  };
}

function plannedConcurrency(value: { limit: number; key?: string | undefined }): PlannedConcurrency {
  return { limit: value.limit, ...(value.key === undefined ? {} : { key: value.key }) };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function retryPolicy(policy: RetryPolicyDefinition | undefined, defaultAttempts: number): RetryPolicy {
  const maxBackoffMs = policy?.max_backoff === undefined ? undefined : parseDuration(policy.max_backoff);
  return {
    maxAttempts: policy?.max_attempts ?? defaultAttempts,
    backoffMs: policy?.backoff === undefined ? DEFAULT_BACKOFF_MS : (parseDuration(policy.backoff) ?? 0),
    backoffRate: policy?.backoff_rate ?? DEFAULT_BACKOFF_RATE,
    ...(maxBackoffMs === undefined ? {} : { maxBackoffMs }),
    jitter: policy?.jitter ?? 'full',
    ...(policy?.retry_on === undefined ? {} : { retryOn: policy.retry_on }),
  };
}

function msField<K extends string>(key: K, text: string | undefined): { [P in K]?: number } {
  const ms = text === undefined ? undefined : parseDuration(text);
  return (ms === undefined ? {} : { [key]: ms }) as { [P in K]?: number };
}

/**
 * sha256 of the normalised definition: the workflow's fields as canonical JSON (keys sorted at every
 * depth), then each task as a fixed-order tuple. Formatting, comments and key order do not matter; any
 * setting does. Tuples rather than sorted objects keep 10,000 tasks fast.
 */
function planVersion(
  body: { name: string; description?: string; timeoutMs?: number },
  tasks: readonly PlannedTask[],
  triggers: readonly PlannedTrigger[],
  schedules: readonly string[],
): string {
  const hash = createHash('sha256').update(canonicalJson({ ...body, triggers, schedules }));
  for (const task of tasks) hash.update(`\n${JSON.stringify(taskTuple(task))}`);
  return hash.digest('hex');
}

function retryTuple(retry: RetryPolicy): unknown[] {
  return [
    retry.maxAttempts,
    retry.backoffMs,
    retry.backoffRate,
    retry.maxBackoffMs ?? null,
    retry.jitter,
    retry.retryOn ?? null,
  ];
}

/** A task as written (normalised), without what the compiler derives from the graph. */
function taskTuple(task: PlannedTask): unknown[] {
  return [
    task.id,
    task.handler,
    task.lambda ?? null,
    task.deps,
    retryTuple(task.retry),
    task.timeoutMs ?? null,
    task.heartbeatMs ?? null,
    task.compensation === undefined ? null : [task.compensation.handler, retryTuple(task.compensation.retry)],
    // only when set, so that the versions of plans without it stay what they were
    ...(task.isolation === undefined ? [] : [task.isolation]),
    ...behaviourTuple(task),
  ];
}

/**
 * What else a task does, as written: its condition, timer, callback, child, map, limits, locks and mode.
 * Only when one is set (so the versions of plans with none stay what they were); before this, two plans
 * differing only in these had one version, and a run pinned to it could meet the other's tasks.
 */
function behaviourTuple(task: PlannedTask): unknown[] {
  const behaviour = {
    when: task.when,
    sleep: task.sleep,
    callback: task.callback,
    child: task.child,
    map: task.map,
    concurrency: task.concurrency,
    locks: task.locks,
    mode: task.mode,
  };
  const set = Object.fromEntries(Object.entries(behaviour).filter(([, value]) => value !== undefined));
  return Object.keys(set).length === 0 ? [] : [canonicalJson(set)];
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
