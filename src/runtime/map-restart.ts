/**
 * The start of a map that a redrive reset: its items' records are compared with the items it evaluated
 * (src/engine/map-redrive.ts), and those of the items that run again are reset, each once per redrive,
 * before the map records its wait. A crash in between loses the map's attempt, which is taken over and
 * decides the same again from the same records.
 */
import { lamportAfter } from '../engine/claim.ts';
import { restartMap } from '../engine/map-redrive.ts';
import type { MapState, TaskRecord } from '../engine/types.ts';
import type { PlannedTask } from '../workflow/plan.ts';
import { toErrorView } from './attempt.ts';
import { canonicalJson } from './canonical-json.ts';
import { isoNow, type RuntimeDeps } from './deps.ts';
import { MapItemsError } from './errors.ts';
import type { Json, TaskErrorView } from './types.ts';

/** What a redriven map starts with: the items it keeps, its lanes kept whole, a Lamport time past its resets. */
export type Restart =
  | {
      readonly kind: 'start';
      readonly kept: readonly number[];
      readonly lanesDone: readonly number[];
      readonly lamport: number;
    }
  | { readonly kind: 'failed'; readonly error: TaskErrorView };

/** Keeps a redriven map's succeeded, unchanged items and resets the records of the others. */
export async function restartItems(
  deps: RuntimeDeps,
  runId: string,
  planned: PlannedTask,
  record: TaskRecord & { readonly map: MapState },
  items: readonly Json[],
  lanes: number,
): Promise<Restart> {
  const state = await deps.store.loadRun(runId);
  if (!state) return { kind: 'start', kept: [], lanesDone: [], lamport: record.lamport };
  const redrive = record.redriven ?? 0;
  const previous = (JSON.parse(record.map.items) as Json[]).map(canonicalJson);
  const decision = restartMap(planned.id, {
    previous,
    items: items.map(canonicalJson),
    lanes,
    tasks: state.tasks,
    redrive,
  });
  if (decision.kind === 'refused') {
    const problem =
      `the redrive gave ${items.length} items, but item ${decision.dropped.join(', ')} succeeded before and ` +
      'would be left out, never compensated; redrive with items that keep it, redrive from ' +
      `'${planned.id}' to run every item again, or roll the run back`;
    return { kind: 'failed', error: toErrorView(new MapItemsError(planned.id, problem)) };
  }
  const lamport = lamportAfter(record, state.tasks.values());
  await Promise.all(
    decision.reset.map((taskId) =>
      deps.store.resetTask({
        runId,
        taskId,
        redrive,
        status: 'ready',
        dropDeps: [],
        lamport,
        event: { type: 'task.reset', lamport, at: isoNow(deps), detail: { redrive } },
      }),
    ),
  );
  return { kind: 'start', kept: decision.kept, lanesDone: decision.lanesDone, lamport };
}
