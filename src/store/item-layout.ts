/**
 * How weft's records are laid out in its single table: keys, attribute names, and the mapping from raw
 * items to the engine's records. Shared by the request builders and the store adapter.
 */
import type { CompensationState, RunRecord, StoredEvent, TaskRecord } from '../engine/types.ts';
import type { RollbackStatus, RunStatus, TaskErrorView, TaskStatus } from '../runtime/types.ts';

/** A raw item as lib-dynamodb returns it. */
export type Item = Record<string, unknown>;

export const RUN_SK = 'RUN';
export const TASK_SK_PREFIX = 'TASK#';
/** Active runs are spread over this many index partitions, so the index has no single hot key. */
export const ACTIVE_SHARDS = 8;

/** The partition key prefix of a run's items (the run and its tasks). */
export const RUN_PK_PREFIX = 'RUN#';
/** The partition key prefix of a workflow's stored plan versions. */
export const PLAN_PK_PREFIX = 'PLAN#';

export const runPk = (runId: string): string => `${RUN_PK_PREFIX}${runId}`;
export const taskSk = (taskId: string): string => `${TASK_SK_PREFIX}${taskId}`;
export const planPk = (name: string): string => `${PLAN_PK_PREFIX}${name}`;
export const planSkPrefix = (version: string): string => `V#${version}#`;

/** Attribute holding the copy of dependency `depId`'s output on a dependent's item. */
export const depOutputAttr = (depId: string): string => `d:${depId}`;
/** Attribute holding the Lamport time of dependency `depId`'s checkpoint. */
export const depLamportAttr = (depId: string): string => `l:${depId}`;
/** Attribute holding the Lamport time of sink `taskId`'s checkpoint on the run item. */
export const sinkLamportAttr = (taskId: string): string => `s:${taskId}`;

/** The index partition of a run while it is active. */
export function activeShard(runId: string): string {
  let hash = 0;
  for (let i = 0; i < runId.length; i += 1) hash = (hash * 31 + runId.charCodeAt(i)) >>> 0;
  return `ACTIVE#${hash % ACTIVE_SHARDS}`;
}

export function activeShards(): string[] {
  return Array.from({ length: ACTIVE_SHARDS }, (_, i) => `ACTIVE#${i}`);
}

const num = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

function stringSet(value: unknown): string[] {
  if (value instanceof Set) return [...value].filter((v): v is string => typeof v === 'string').sort();
  return [];
}

function errorView(value: unknown): TaskErrorView | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const { name, message } = value as Record<string, unknown>;
  return typeof name === 'string' && typeof message === 'string' ? { name, message } : undefined;
}

function prefixed<T>(item: Item, prefix: string, pick: (v: unknown) => T | undefined): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [key, value] of Object.entries(item)) {
    if (!key.startsWith(prefix)) continue;
    const picked = pick(value);
    if (picked !== undefined) out[key.slice(prefix.length)] = picked;
  }
  return out;
}

function events(value: unknown): StoredEvent[] {
  return Array.isArray(value) ? (value as StoredEvent[]) : [];
}

function compensation(item: Item): CompensationState | undefined {
  const status = str(item.cst);
  if (status !== 'ready' && status !== 'running') return undefined;
  const owner = str(item.cowner);
  const leaseUntil = num(item.clease);
  const dueAt = num(item.cdue);
  const dispatchedAt = num(item.cdispatched);
  return {
    status,
    attempt: num(item.cattempt) ?? 0,
    failures: num(item.cfailures) ?? 0,
    ...(owner !== undefined ? { owner } : {}),
    ...(leaseUntil !== undefined ? { leaseUntil } : {}),
    ...(dueAt !== undefined ? { dueAt } : {}),
    ...(dispatchedAt !== undefined ? { dispatchedAt } : {}),
  };
}

function callback(item: Item): TaskRecord['callback'] {
  const token = str(item.cbToken);
  if (token === undefined) return undefined;
  const timeoutAt = num(item.cbTimeout);
  return { token, ...(timeoutAt === undefined ? {} : { timeoutAt }) };
}

function numberSet(value: unknown): number[] {
  if (value instanceof Set)
    return [...value].filter((v): v is number => typeof v === 'number').sort((a, b) => a - b);
  return [];
}

/** A map task's items and counts, once its attempt recorded them. */
function mapState(item: Item): TaskRecord['map'] {
  const items = str(item.mapItems);
  const count = num(item.mapCount);
  const lanes = num(item.mapLanes);
  if (items === undefined || count === undefined || lanes === undefined) return undefined;
  return {
    items,
    count,
    lanes,
    lanesDone: numberSet(item.lanesDone),
    failedItems: numberSet(item.mapFailed),
    kept: numberSet(item.mapKept),
  };
}

/** Maps a raw task item to its record. */
export function toTaskRecord(item: Item): TaskRecord {
  const optional = {
    owner: str(item.owner),
    leaseUntil: num(item.leaseUntil),
    dueAt: num(item.dueAt),
    dispatchedAt: num(item.dispatchedAt),
    output: str(item.output),
    error: errorView(item.error),
    compensation: compensation(item),
    callback: callback(item),
    map: mapState(item),
    held: item.held === true ? true : undefined,
    redriven: num(item.redriven),
    compensationFinished: num(item.cfinished),
    compensationAttempts: num(item.cattempt),
    compensationError: errorView(item.cerror),
    startedAt: num(item.startedAt),
  };
  const defined = Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined));
  return {
    taskId: str(item.taskId) ?? String(item.sk).slice(TASK_SK_PREFIX.length),
    status: (str(item.st) ?? 'pending') as TaskStatus,
    attempt: num(item.attempt) ?? 0,
    failures: num(item.failures) ?? 0,
    takeovers: num(item.takeovers) ?? 0,
    depsDone: stringSet(item.depsDone),
    depOutputs: prefixed(item, 'd:', str),
    depLamports: prefixed(item, 'l:', num),
    lamport: num(item.lamport) ?? 0,
    stopping: item.stopping === true,
    events: events(item.events),
    ...defined,
  };
}

/** A child run's parent link, when the item has a well-formed one. */
function runParent(value: unknown): RunRecord['parent'] {
  const parent = value as { runId?: unknown; taskId?: unknown } | undefined;
  const runId = str(parent?.runId);
  const taskId = str(parent?.taskId);
  return runId !== undefined && taskId !== undefined ? { runId, taskId } : undefined;
}

/** A sync run's early answer, when the item has a well-formed one. */
function runAnswered(value: unknown): RunRecord['answered'] {
  const answered = value as { at?: unknown; pending?: unknown } | undefined;
  const at = num(answered?.at);
  if (at === undefined || !Array.isArray(answered?.pending)) return undefined;
  return { at, pending: answered.pending.map(String) };
}

/** Maps a raw run item to its record. */
export function toRunRecord(item: Item): RunRecord {
  const error = errorView(item.error);
  const errorTask = str((item.error as Record<string, unknown> | undefined)?.taskId);
  const optional = {
    cause: str(item.cause) as RunRecord['cause'],
    error: error ? { ...error, ...(errorTask ? { taskId: errorTask } : {}) } : undefined,
    finishedAt: num(item.finishedAt),
    dispatchedAt: num(item.dispatchedAt),
    idempotencyKey: str(item.idempotencyKey),
    redrives: num(item.redrives),
    parent: runParent(item.parent),
    reset: Array.isArray(item.resetTasks) ? item.resetTasks.map(String) : undefined,
    answered: runAnswered(item.answered),
    rerunMaps: Array.isArray(item.rerunMaps) ? item.rerunMaps.map(String) : undefined,
  };
  const defined = Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined));
  return {
    runId: String(item.runId),
    workflow: String(item.workflow),
    planVersion: String(item.planVersion),
    input: String(item.input),
    inputHash: String(item.inputHash),
    status: String(item.st) as RunStatus,
    rollback: (str(item.rollback) ?? 'none') as RollbackStatus,
    lamport: num(item.lamport) ?? 0,
    sinksDone: stringSet(item.sinksDone),
    sinkLamports: prefixed(item, 's:', num),
    createdAt: num(item.createdAt) ?? 0,
    events: events(item.events),
    ...defined,
  };
}
