/**
 * Map tasks: an attempt evaluates `items` once and records them with the map's wait (the map holds no
 * worker while its items run); each item is then a task record of its own, run by the map's handler, in
 * lanes of at most `max_concurrency` (src/engine/map.ts). The end of an item releases the next of its lane
 * (claimed here when the worker has room, else dispatched); the end of a lane, and each item failed for
 * good, is counted once on the map's record; the count that completes the lanes joins the map (its output:
 * the items' outputs in order), the one that passes the tolerated failures fails it.
 */
import { depOutputs } from '../engine/gate.ts';
import { formatBytes, leaseMs, MAX_INPUT_BYTES, outputLimitBytes, utf8Bytes } from '../engine/limits.ts';
import {
  firstInLane,
  itemId,
  itemRecords,
  itemTask,
  laneCount,
  mapProgress,
  nextInLane,
  parseItemId,
  toleratedFailures,
} from '../engine/map.ts';
import type { MapState, RunContext, TaskRecord } from '../engine/types.ts';
import { evaluateExpression } from '../workflow/expression.ts';
import type { Plan, PlannedMap, PlannedTask } from '../workflow/plan.ts';
import { toErrorView } from './attempt.ts';
import { settleCallback } from './callback-wait.ts';
import { claimedEvent } from './claim-attempt.ts';
import { fault, isoNow, type RuntimeDeps } from './deps.ts';
import { ownDispatch, sendDispatches } from './dispatch.ts';
import { MapFailedError, MapItemsError, OutputTooLargeError } from './errors.ts';
import { restartItems } from './map-restart.ts';
import { stoppedAfterFlag } from './pause.ts';
import { taskMessage } from './run-context.ts';
import type { Json, TaskErrorView } from './types.ts';

/** What an item's attempt needs of its map: read once per process and map attempt (it never changes). */
export interface MapContext {
  readonly mapTask: PlannedTask & { readonly map: PlannedMap };
  /** The map's wait token: counts are accepted only while the map waits with it. */
  readonly token: string;
  readonly items: readonly Json[];
  /** The map's dependencies' outputs, as its handler sees them for every item. */
  readonly deps: Readonly<Record<string, Json>>;
  readonly state: Pick<MapState, 'count' | 'lanes' | 'kept'>;
}

/** One item of a map, claimed (or to be claimed) by this worker. */
export interface MapItem {
  readonly context: MapContext;
  readonly index: number;
}

/** The task a message or record id names: a plan task, or an item of a map task. */
export function resolveTask(
  plan: Plan,
  id: string,
):
  | { readonly planned: PlannedTask; readonly item?: { readonly map: PlannedTask; readonly index: number } }
  | undefined {
  const direct = plan.tasks[id];
  if (direct) return { planned: direct };
  const parsed = parseItemId(id);
  const map = parsed && plan.tasks[parsed.taskId];
  if (!parsed || !map?.map) return undefined;
  return { planned: itemTask(map, parsed.index), item: { map, index: parsed.index } };
}

/** The map's token for one attempt: internal, so no `POST /callbacks` can present it. */
function mapToken(attempt: number): string {
  return `map~${attempt}`;
}

/** What a map's attempt came to: waiting for its items, done at once (no items), or failed before them. */
export type MapStart =
  | { readonly kind: 'waiting' }
  | { readonly kind: 'succeeded'; readonly output: string }
  | { readonly kind: 'failed'; readonly error: TaskErrorView };

/**
 * Runs a claimed attempt of a map task: evaluates its items, records them with the wait (one fenced
 * write), then sends the first item of every lane.
 */
export async function startMap(
  deps: RuntimeDeps,
  scope: { readonly run: RunContext; readonly plan: Plan },
  planned: PlannedTask & { readonly map: PlannedMap },
  record: TaskRecord,
): Promise<MapStart> {
  const { run, plan } = scope;
  let items: unknown;
  try {
    items = await evaluateExpression(planned.map.items, {
      input: JSON.parse(run.input) as Json,
      deps: depOutputs(planned, record),
    });
  } catch (error) {
    return { kind: 'failed', error: toErrorView(error) };
  }
  if (!Array.isArray(items)) {
    const found = items === undefined ? 'nothing' : items === null ? 'null' : typeof items;
    const problem = `'${planned.map.items}' gave ${found}, not a list`;
    return { kind: 'failed', error: toErrorView(new MapItemsError(planned.id, problem)) };
  }
  const count = items.length;
  const lanes = laneCount(planned.map, count);
  // a map a redrive reset keeps the items that succeeded: compared, and the others' records reset
  const restart = record.map
    ? await restartItems(deps, run.runId, planned, { ...record, map: record.map }, items as Json[], lanes)
    : { kind: 'start' as const, kept: [], lanesDone: [], lamport: record.lamport };
  if (restart.kind === 'failed') return restart;
  if (count === 0) return { kind: 'succeeded', output: '[]' };
  const text = JSON.stringify(items);
  const size = utf8Bytes(text);
  if (size > MAX_INPUT_BYTES) {
    const problem =
      `its ${items.length} items are ${formatBytes(size)} as JSON, more than the ${formatBytes(MAX_INPUT_BYTES)} ` +
      'a map records; map over references (keys, ids) and let the handler fetch each item';
    return { kind: 'failed', error: toErrorView(new MapItemsError(planned.id, problem)) };
  }
  const token = mapToken(record.attempt);
  const lamport = Math.max(record.lamport, restart.lamport) + 1;
  const { kept, lanesDone } = restart;
  const outcome = await deps.store.awaitCallback({
    runId: run.runId,
    taskId: planned.id,
    owner: deps.owner,
    attempt: record.attempt,
    token,
    map: { items: text, count, lanes, kept, lanesDone },
    ...ownDispatch(deps, plan, planned.id, 'task'),
    lamport,
    event: {
      type: 'task.waiting',
      lamport,
      at: isoNow(deps),
      attempt: record.attempt,
      detail: { items: count, lanes, ...(kept.length > 0 ? { kept: kept.length } : {}) },
    },
  });
  if (!outcome.ok) return { kind: 'waiting' };
  fault(deps, 'afterMapStart', { runId: run.runId, taskId: planned.id });
  if (outcome.record.stopping && (await stoppedAfterFlag(deps, run.runId))) return { kind: 'waiting' };
  // every item kept: the map joins at once
  if (lanesDone.length >= lanes) {
    await settleMap(deps, scope, planned, outcome.record);
    return { kind: 'waiting' };
  }
  const state = { count, lanes, kept };
  const heads = Array.from({ length: lanes }, (_, lane) => firstInLane(state, lane))
    .filter((index) => index !== undefined)
    .map((index) => taskMessage(run, itemId(planned.id, index), lamport, deps.now()));
  await sendDispatches(deps, heads);
  return { kind: 'waiting' };
}

/** Read-once map contexts, per runtime: an item's attempt needs its map's items and deps. */
const contexts = new WeakMap<RuntimeDeps, Map<string, MapContext>>();
const CONTEXTS_KEPT = 256;

/**
 * The context of a map's items from its record (read once per process and map attempt); undefined when
 * the map is not running its items (not started, or ended: no new item starts then).
 */
export async function mapContext(
  deps: RuntimeDeps,
  runId: string,
  mapTask: PlannedTask,
  options: { readonly ended?: boolean } = {},
): Promise<MapContext | undefined> {
  const cache = contexts.get(deps) ?? new Map<string, MapContext>();
  contexts.set(deps, cache);
  const key = `${runId}\u0000${mapTask.id}`;
  const cached = cache.get(key);
  if (cached && options.ended) return cached;
  const record = await deps.store.getTask(runId, mapTask.id);
  const map = record?.map;
  if (!record || !map || !mapTask.map) return undefined;
  if (!options.ended && record.status !== 'waiting') return undefined;
  const token = record.callback?.token ?? cached?.token ?? mapToken(record.attempt);
  if (cached?.token === token) return cached;
  const context: MapContext = {
    mapTask: { ...mapTask, map: mapTask.map },
    token,
    items: JSON.parse(map.items) as Json[],
    deps: depOutputs(mapTask, record),
    state: { count: map.count, lanes: map.lanes, kept: map.kept },
  };
  if (cache.size >= CONTEXTS_KEPT) cache.delete(cache.keys().next().value ?? '');
  cache.set(key, context);
  return context;
}

/** An item's attempt, claimed from its map's context. */
export interface ClaimedItem {
  readonly planned: PlannedTask;
  readonly record: TaskRecord;
  readonly item: MapItem;
}

/**
 * After an item's checkpoint: the next item of its lane is claimed here when `here` allows (returned, to
 * run next), else dispatched; the lane's last item counts the lane's end on the map instead.
 */
export async function continueLane(
  deps: RuntimeDeps,
  scope: { readonly run: RunContext; readonly plan: Plan },
  item: MapItem,
  lamport: number,
  here: (task: PlannedTask) => boolean,
): Promise<ClaimedItem[]> {
  const { context, index } = item;
  const next = nextInLane(context.state, index);
  if (next === undefined) {
    await countItem(deps, scope, context, { lane: index % context.state.lanes });
    return [];
  }
  return release(deps, scope, context, next, lamport, here);
}

/** Releases item `next` of a lane: claimed here when allowed (refused once a rollback skipped it), else sent. */
async function release(
  deps: RuntimeDeps,
  scope: { readonly run: RunContext; readonly plan: Plan },
  context: MapContext,
  next: number,
  lamport: number,
  here: (task: PlannedTask) => boolean,
): Promise<ClaimedItem[]> {
  const { run } = scope;
  const planned = itemTask(context.mapTask, next);
  const claimLamport = lamport + 1;
  if (here(planned)) {
    const now = deps.now();
    const claimed = await deps.store.claimTask({
      runId: run.runId,
      taskId: planned.id,
      owner: deps.owner,
      now,
      leaseUntil: now + leaseMs(planned),
      lamport: claimLamport,
      depCount: 0,
      event: claimedEvent(deps, claimLamport),
    });
    if (!claimed.ok) return [];
    deps.metrics.schedulingLatency(0);
    return [{ planned, record: claimed.record, item: { context, index: next } }];
  }
  await sendDispatches(deps, [taskMessage(run, planned.id, claimLamport, deps.now())]);
  return [];
}

/**
 * An item failed for good: counted on the map (with its lane's end when it was the lane's last), which
 * may fail the map; else its lane goes on through the queue.
 */
export async function itemFailed(
  deps: RuntimeDeps,
  scope: { readonly run: RunContext; readonly plan: Plan },
  item: MapItem,
  lamport: number,
): Promise<void> {
  const { context, index } = item;
  const next = nextInLane(context.state, index);
  const lane = next === undefined ? { lane: index % context.state.lanes } : {};
  const open = await countItem(deps, scope, context, { failed: index, ...lane });
  if (open && next !== undefined) await release(deps, scope, context, next, lamport, () => false);
}

/**
 * Counts a lane's end or a failed item on the map, then settles the map if the count decided it.
 * Returns whether the map still runs its items after the count.
 */
export async function countItem(
  deps: RuntimeDeps,
  scope: { readonly run: RunContext; readonly plan: Plan },
  context: MapContext,
  count: { readonly lane?: number; readonly failed?: number },
): Promise<boolean> {
  const { run } = scope;
  const outcome = await deps.store.countMapItem({
    runId: run.runId,
    taskId: context.mapTask.id,
    token: context.token,
    ...count,
  });
  // counted before (a replay), or the map ended: whoever ended it went on
  if (!outcome.ok) return false;
  fault(deps, 'afterMapCount', { runId: run.runId, taskId: context.mapTask.id });
  return (await settleMap(deps, scope, context.mapTask, outcome.record)) === 'open';
}

/**
 * Ends a waiting map whose counts decide it: failed (too many failed items; not retried, its items were),
 * or joined: its output is every item's output in order (`null` for a tolerated failure), checkpointed
 * by the completion of its wait, which then advances along the map's edges. Once: the wait's token is
 * taken by the first completion.
 */
export async function settleMap(
  deps: RuntimeDeps,
  scope: { readonly run: RunContext; readonly plan: Plan },
  mapTask: PlannedTask & { readonly map: PlannedMap },
  record: TaskRecord,
): Promise<'open' | 'settled'> {
  const state = record.map;
  if (!state || record.status !== 'waiting') return 'settled';
  const progress = mapProgress(mapTask.map, state);
  if (progress === 'open') return 'open';
  const { run, plan } = scope;
  const loaded = await deps.store.loadRun(run.runId);
  if (!loaded) return 'settled';
  const items = itemRecords(mapTask.id, state.count, loaded.tasks);
  // the map's end comes after its items' (Lamport): the wait's completion is stamped above every one
  const after = Math.max(record.lamport, ...items.map((item) => item?.lamport ?? 0));
  const stamped = { ...record, lamport: after };
  if (progress === 'failed') {
    const first = state.failedItems[0] ?? 0;
    const failed = items[first];
    const cause = failed?.error
      ? `item ${first}: ${failed.error.name}: ${failed.error.message}`
      : `item ${first}`;
    const error = new MapFailedError(
      mapTask.id,
      state.failedItems.length,
      state.count,
      toleratedFailures(mapTask.map, state.count),
      cause,
    );
    await settleCallback(deps, scope, mapTask, stamped, { error: toErrorView(error) });
    return 'settled';
  }
  const outputs = items.map((item) => (item?.status === 'succeeded' ? (item.output ?? 'null') : 'null'));
  const output = `[${outputs.join(',')}]`;
  const limit = outputLimitBytes(plan, mapTask.id);
  const size = utf8Bytes(output);
  if (size > limit) {
    const error = new OutputTooLargeError(mapTask.id, size, limit, formatBytes(size), formatBytes(limit));
    await settleCallback(deps, scope, mapTask, stamped, { error: toErrorView(error) });
    return 'settled';
  }
  await settleCallback(deps, scope, mapTask, stamped, { output });
  return 'settled';
}
