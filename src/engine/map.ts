/**
 * A map task's items, as the engine sees them: each item is a task record of its own (`<task>[<index>]`),
 * run by the map task's handler and retried by its policy, and the items run in `lanes` (at most
 * `max_concurrency`): lane `l` runs items `l`, `l + lanes`, `l + 2 lanes`, ... one after another, each
 * released by the end of the one before it. The end of a lane's last item is counted on the map task's
 * own record, and so is each item that failed for good; the count that completes the lanes joins the map,
 * once. Pure: no clock, no I/O.
 */
import type { PlannedMap, PlannedTask } from '../workflow/plan.ts';
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

/** The item after `index` in its lane, or undefined when `index` is the lane's last. */
export function nextInLane(state: Pick<MapState, 'count' | 'lanes'>, index: number): number | undefined {
  const next = index + state.lanes;
  return next < state.count ? next : undefined;
}

/** What a count on the map's record makes of the map: failed (too many failures), joined, or still open. */
export function mapProgress(map: PlannedMap, state: MapState): 'failed' | 'joined' | 'open' {
  if (state.failedItems.length > toleratedFailures(map, state.count)) return 'failed';
  return state.lanesDone.length >= state.lanes ? 'joined' : 'open';
}

const ITEM_ENDED = new Set([
  'succeeded',
  'failed',
  'skipped',
  'cancelled',
  'compensated',
  'compensation_failed',
]);

/** Whether an item's record shows it ended (for its lane: the next item may start). */
export function itemEnded(record: TaskRecord | undefined): boolean {
  return record !== undefined && ITEM_ENDED.has(record.status);
}

/** Where a lane is: every item ended, or the first that has not (with its record, if it has one). */
export type LanePosition =
  | { readonly kind: 'ended'; readonly last: number }
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
