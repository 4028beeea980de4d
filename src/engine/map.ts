/**
 * A map task's items, as the engine sees them: each item is a task record of its own (`<task>[<index>]`),
 * run by the map task's handler and retried by its policy, and the items run in `lanes` (at most
 * `max_concurrency`): lane `l` runs items `l`, `l + lanes`, `l + 2 lanes`, ... one after another, each
 * released by the end of the one before it. The end of a lane's last item is counted on the map task's
 * own record, and so is each item that failed for good; the count that completes the lanes joins the map,
 * once. Pure: no clock, no I/O.
 */
import type { PlannedMap, PlannedTask } from '../workflow/plan.ts';
import { hasEnded } from './task-status.ts';
import type { MapState, TaskRecord } from './types.ts';

/** The record id of item `index` of map task `taskId`: outside the task id alphabet, so it clashes with none. */
export function itemId(taskId: string, index: number): string {
  return `${taskId}[${index}]`;
}

/** The map task and index an item id names, or undefined for a task id. */
export function parseItemId(id: string): { readonly taskId: string; readonly index: number } | undefined {
  const match = /^(.+)\[(\d+)\]$/.exec(id);
  if (!match?.[1] || match[2] === undefined) return undefined;
  return { taskId: match[1], index: Number(match[2]) };
}

/**
 * The task an item runs as: the map task's handler, policy, timeout and compensation, with no deps of its
 * own (the map's are given to its handler) and no condition (the map's was decided before its items).
 */
export function itemTask(map: PlannedTask, index: number): PlannedTask {
  const { when: _when, map: _map, ...rest } = map;
  return { ...rest, id: itemId(map.id, index), deps: [], dependents: [] };
}

/** How many lanes a map of `count` items runs in. */
export function laneCount(map: PlannedMap, count: number): number {
  return Math.max(1, Math.min(count, map.maxConcurrency));
}

/** The failed items a map of `count` items tolerates. */
export function toleratedFailures(map: PlannedMap, count: number): number {
  const tolerated = map.tolerated;
  return 'count' in tolerated ? tolerated.count : Math.floor((count * tolerated.percent) / 100);
}

/**
 * The item after `index` in its lane that runs (a redrive's kept items are passed over), or undefined
 * when there is none: `index` is the last of its lane to run.
 */
export function nextInLane(
  state: Pick<MapState, 'count' | 'lanes'> & { readonly kept?: readonly number[] },
  index: number,
): number | undefined {
  let next = index + state.lanes;
  while (next < state.count && isKept(state, next)) next += state.lanes;
  return next < state.count ? next : undefined;
}

/** Whether a redrive kept item `index` (`kept` is sorted: a binary search, for maps of many items). */
export function isKept(state: { readonly kept?: readonly number[] }, index: number): boolean {
  const kept = state.kept ?? [];
  let low = 0;
  let high = kept.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const value = kept[middle] ?? 0;
    if (value === index) return true;
    if (value < index) low = middle + 1;
    else high = middle - 1;
  }
  return false;
}

/** The first item of lane `lane` that runs, or undefined when a redrive kept the whole lane. */
export function firstInLane(
  state: Pick<MapState, 'count' | 'lanes'> & { readonly kept?: readonly number[] },
  lane: number,
): number | undefined {
  return isKept(state, lane) ? nextInLane(state, lane) : lane;
}

/** What a count on the map's record makes of the map: failed (too many failures), joined, or still open. */
export function mapProgress(map: PlannedMap, state: MapState): 'failed' | 'joined' | 'open' {
  if (state.failedItems.length > toleratedFailures(map, state.count)) return 'failed';
  return state.lanesDone.length >= state.lanes ? 'joined' : 'open';
}

/** Whether an item's record shows it ended (for its lane: the next item may start). */
export function itemEnded(record: TaskRecord | undefined): boolean {
  return record !== undefined && hasEnded(record.status);
}

/**
 * Where a lane is: every item ended; stopped at an item the rollback skipped (nothing after it starts);
 * or at the first item that has not ended (with its record, if it has one).
 */
export type LanePosition =
  | { readonly kind: 'ended'; readonly last: number }
  | { readonly kind: 'blocked'; readonly index: number }
  | { readonly kind: 'at'; readonly index: number; readonly record?: TaskRecord; readonly previous?: number };

/** Walks each lane of a map to its first item that has not ended. */
export function lanePositions(
  mapTaskId: string,
  state: Pick<MapState, 'count' | 'lanes'>,
  tasks: ReadonlyMap<string, TaskRecord>,
): LanePosition[] {
  const positions: LanePosition[] = [];
  for (let lane = 0; lane < state.lanes; lane += 1) {
    let index = lane;
    let previous: number | undefined;
    let position: LanePosition | undefined;
    while (index < state.count) {
      const record = tasks.get(itemId(mapTaskId, index));
      if (record?.status === 'skipped') {
        position = { kind: 'blocked', index };
        break;
      }
      if (!itemEnded(record)) {
        position = {
          kind: 'at',
          index,
          ...(record === undefined ? {} : { record }),
          ...(previous === undefined ? {} : { previous }),
        };
        break;
      }
      previous = index;
      index += state.lanes;
    }
    positions.push(position ?? { kind: 'ended', last: previous ?? lane });
  }
  return positions;
}

/** The item records of a map, by index (absent: never started). */
export function itemRecords(
  mapTaskId: string,
  count: number,
  tasks: ReadonlyMap<string, TaskRecord>,
): (TaskRecord | undefined)[] {
  return Array.from({ length: count }, (_, index) => tasks.get(itemId(mapTaskId, index)));
}

/** What the rollback does about one map's items in this pass (see src/engine/saga.ts). */
export interface MapRollback {
  readonly skip: readonly string[];
  readonly flag: readonly string[];
  /** The map still waits, and no item runs or can start: end its wait. */
  readonly cancel: boolean;
  readonly compensate: readonly string[];
  /** Every item is settled: the map is rolled back. */
  readonly done: boolean;
  readonly compensations: number;
  readonly failedCompensations: number;
}

/**
 * The Saga over a map's items: each lane is stopped at its first item that has not ended (skipped if it
 * has not started; flagged, and the next one skipped, if it runs), so nothing new starts; once no item
 * runs, a waiting map's wait ends; once the map's dependents are rolled back (`dependentsDone`), every
 * succeeded item is compensated by the map's compensation, in parallel.
 */
export function rollBackMap(
  mapTaskId: string,
  record: TaskRecord & { readonly map: MapState },
  tasks: ReadonlyMap<string, TaskRecord>,
  options: { readonly compensates: boolean; readonly dependentsDone: boolean },
): MapRollback {
  const state = record.map;
  const skip: string[] = [];
  const flag: string[] = [];
  let active = false;
  for (const position of lanePositions(mapTaskId, state, tasks)) {
    if (position.kind !== 'at') continue;
    const at = position.record;
    if (at === undefined || at.status === 'pending' || at.status === 'ready') {
      skip.push(itemId(mapTaskId, position.index));
      continue;
    }
    active = true;
    if (!at.stopping) flag.push(itemId(mapTaskId, position.index));
    const next = nextInLane(state, position.index);
    if (next !== undefined && !tasks.has(itemId(mapTaskId, next))) skip.push(itemId(mapTaskId, next));
  }
  const still = skip.length > 0 || active;
  const cancel = !still && record.status === 'waiting';
  const compensate: string[] = [];
  let compensations = 0;
  let failedCompensations = 0;
  let settled = !still && !cancel && record.status !== 'running';
  for (const item of itemRecords(mapTaskId, state.count, tasks)) {
    if (item?.status === 'compensated') compensations += 1;
    if (item?.status === 'compensation_failed') {
      compensations += 1;
      failedCompensations += 1;
    }
    if (item?.status !== 'succeeded' || !options.compensates) continue;
    settled = false;
    if (options.dependentsDone && !still && !cancel && !item.compensation) compensate.push(item.taskId);
  }
  const done = settled && options.dependentsDone;
  return { skip, flag, cancel, compensate, done, compensations, failedCompensations };
}

/** What the recovery pass finds missing in a waiting map (see src/engine/recovery.ts). */
export interface MapRepair {
  /** Items whose release may have been lost: the first of a lane with no record, with when it was due. */
  readonly release: readonly { readonly index: number; readonly since?: number }[];
  /** Lanes whose every item ended, not counted on the map. */
  readonly lanes: readonly number[];
  /** Items failed for good, not counted on the map. */
  readonly failed: readonly number[];
  /** The counts decide the map, but it still waits: its settlement was lost. */
  readonly settle: boolean;
}

/** The repairs a waiting map needs, from its records alone: nothing when it has none to make. */
export function repairMap(
  map: PlannedMap,
  mapTaskId: string,
  record: TaskRecord & { readonly map: MapState },
  tasks: ReadonlyMap<string, TaskRecord>,
): MapRepair | undefined {
  const state = record.map;
  const release: { index: number; since?: number }[] = [];
  const lanes: number[] = [];
  const failed: number[] = [];
  lanePositions(mapTaskId, state, tasks).forEach((position, lane) => {
    if (position.kind === 'ended' && !state.lanesDone.includes(lane)) lanes.push(lane);
    if (position.kind !== 'at' || (position.record !== undefined && !unreleased(position.record))) return;
    // released by the end of the one before it, or by the map's start for a lane's first item (or for
    // the first after items a redrive kept, which ended before the start)
    const previous =
      position.previous === undefined ? undefined : tasks.get(itemId(mapTaskId, position.previous));
    const ended = previous ? endedAt(previous) : undefined;
    const since =
      ended === undefined || record.dispatchedAt === undefined
        ? (ended ?? record.dispatchedAt)
        : Math.max(ended, record.dispatchedAt);
    release.push({ index: position.index, ...(since === undefined ? {} : { since }) });
  });
  itemRecords(mapTaskId, state.count, tasks).forEach((item, index) => {
    if (item?.status === 'failed' && !state.failedItems.includes(index)) failed.push(index);
  });
  const settle = lanes.length === 0 && failed.length === 0 && mapProgress(map, state) !== 'open';
  if (release.length === 0 && lanes.length === 0 && failed.length === 0 && !settle) return undefined;
  return { release, lanes, failed, settle };
}

/**
 * Whether an item's record is one a redrive reset and nothing has claimed since: `ready`, with no dispatch
 * or retry recorded. Its release is its lane's (it is dispatched as an item with no record).
 */
export function unreleased(record: TaskRecord): boolean {
  return (
    record.status === 'ready' &&
    record.redriven !== undefined &&
    record.dispatchedAt === undefined &&
    record.dueAt === undefined
  );
}

/** When an item's record last changed (its end, for an ended one), epoch ms. */
function endedAt(record: TaskRecord): number | undefined {
  const at = record.events.at(-1)?.at;
  const ms = at === undefined ? Number.NaN : Date.parse(at);
  return Number.isNaN(ms) ? undefined : ms;
}
