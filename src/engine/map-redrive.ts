/**
 * A map that starts again after a redrive (src/engine/redrive.ts reset it, keeping its items' records):
 * which items it keeps and which it runs again. An item is kept when its record succeeded and its value
 * is the one it had (canonical JSON, compared as text): it does not run again, its output is kept, and its
 * lane passes over it. Every other item runs again: its record is reset first, once per redrive. Pure.
 */
import { firstInLane, itemId } from './map.ts';
import type { TaskRecord } from './types.ts';

/** What a redriven map's start does with its items' records, or why it cannot start. */
export type MapRestart =
  | {
      readonly kind: 'start';
      /** The items kept, in order. */
      readonly kept: readonly number[];
      /** The lanes whose every item is kept: counted as done at the start. */
      readonly lanesDone: readonly number[];
      /** The records of items that run again, to reset before the map waits for them. */
      readonly reset: readonly string[];
    }
  /** Items that succeeded before are past the end of the new list: nothing would compensate them. */
  | { readonly kind: 'refused'; readonly dropped: readonly number[] };

/**
 * Decides a redriven map's start from its previous items and the new ones (each item's canonical JSON),
 * its lanes, its items' records and the redrive that reset it.
 *
 * @example
 * restartMap('fan', { previous: ['1', '2'], items: ['1', '3'], lanes: 1, tasks, redrive: 1 });
 * // item 0 succeeded: { kind: 'start', kept: [0], lanesDone: [], reset: ['fan[1]'] }
 */
export function restartMap(
  mapTaskId: string,
  input: {
    readonly previous: readonly string[];
    readonly items: readonly string[];
    readonly lanes: number;
    readonly tasks: ReadonlyMap<string, TaskRecord>;
    readonly redrive: number;
  },
): MapRestart {
  const { previous, items, lanes, tasks, redrive } = input;
  const record = (index: number) => tasks.get(itemId(mapTaskId, index));
  const dropped: number[] = [];
  for (let index = items.length; index < previous.length; index += 1) {
    if (record(index)?.status === 'succeeded') dropped.push(index);
  }
  if (dropped.length > 0) return { kind: 'refused', dropped };
  const kept: number[] = [];
  const reset: string[] = [];
  items.forEach((item, index) => {
    const current = record(index);
    if (current?.status === 'succeeded' && index < previous.length && previous[index] === item) {
      kept.push(index);
    } else if (current !== undefined && current.status !== 'skipped' && (current.redriven ?? 0) < redrive) {
      // a paused run has no skipped item: a skip is a rollback's that came first, and it stands
      reset.push(current.taskId);
    }
  });
  const state = { count: items.length, lanes, kept };
  const lanesDone = Array.from({ length: lanes }, (_, lane) => lane).filter(
    (lane) => firstInLane(state, lane) === undefined,
  );
  return { kind: 'start', kept, lanesDone, reset };
}
