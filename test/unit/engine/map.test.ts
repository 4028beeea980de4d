import { describe, expect, it } from 'vitest';
import { itemId, parseItemId, repairMap, rollBackMap, toleratedFailures } from '../../../src/engine/map.ts';
import { newTask } from '../../../src/engine/transitions/index.ts';
import type { MapState, TaskRecord } from '../../../src/engine/types.ts';
import type { PlannedMap } from '../../../src/workflow/plan.ts';

const state: MapState = {
  items: '[1,2,3,4,5]',
  count: 5,
  lanes: 2,
  lanesDone: [],
  failedItems: [],
  kept: [],
};
const mapRecord = (over: Partial<TaskRecord> = {}, map: Partial<MapState> = {}) =>
  ({ ...newTask('m'), status: 'waiting', map: { ...state, ...map }, ...over }) as TaskRecord & {
    map: MapState;
  };
const item = (index: number, status: TaskRecord['status'], over: Partial<TaskRecord> = {}): TaskRecord => ({
  ...newTask(itemId('m', index)),
  status,
  ...over,
});
const records = (...items: TaskRecord[]) => new Map(items.map((r) => [r.taskId, r]));
const map: PlannedMap = { items: 'x', maxConcurrency: 2, tolerated: { count: 0 } };

describe('map items', () => {
  it('names items outside the task id alphabet and reads the names back', () => {
    expect(itemId('score', 12)).toBe('score[12]');
    expect(parseItemId('score[12]')).toEqual({ taskId: 'score', index: 12 });
    expect(parseItemId('score')).toBeUndefined();
  });

  it('tolerates a count or a percentage of the items, rounded down', () => {
    expect(toleratedFailures({ ...map, tolerated: { count: 3 } }, 10)).toBe(3);
    expect(toleratedFailures({ ...map, tolerated: { percent: 25 } }, 10)).toBe(2);
  });
});

describe('rolling back a map', () => {
  const options = { compensates: true, dependentsDone: true };

  it("skips each lane's first unstarted item, flags a running one and skips the item after it", () => {
    // lane 0: 0 done, 2 running (4 after it); lane 1: 1 done, 3 not started
    const tasks = records(item(0, 'succeeded'), item(1, 'succeeded'), item(2, 'running'));
    const step = rollBackMap('m', mapRecord(), tasks, options);
    expect(step.flag).toEqual(['m[2]']);
    expect([...step.skip].sort()).toEqual(['m[3]', 'm[4]']);
    expect(step.cancel).toBe(false);
    expect(step.compensate).toEqual([]);
    expect(step.done).toBe(false);
  });

  it('ends the wait only once every lane is stopped and no item runs', () => {
    const tasks = records(item(0, 'succeeded'), item(1, 'succeeded'), item(2, 'skipped'), item(3, 'skipped'));
    const step = rollBackMap('m', mapRecord(), tasks, options);
    expect(step).toMatchObject({ skip: [], flag: [], cancel: true, compensate: [], done: false });
  });

  it("compensates the succeeded items once the map's dependents are rolled back, and is done after", () => {
    const tasks = records(item(0, 'succeeded'), item(1, 'failed'), item(2, 'skipped'), item(3, 'succeeded'));
    const cancelled = mapRecord({ status: 'cancelled' });
    expect(rollBackMap('m', cancelled, tasks, { ...options, dependentsDone: false }).compensate).toEqual([]);
    expect(rollBackMap('m', cancelled, tasks, options).compensate).toEqual(['m[0]', 'm[3]']);
    const undone = records(
      item(0, 'compensated'),
      item(1, 'failed'),
      item(2, 'skipped'),
      item(3, 'compensation_failed'),
    );
    expect(rollBackMap('m', cancelled, undone, options)).toMatchObject({
      done: true,
      compensations: 2,
      failedCompensations: 1,
    });
  });
});

describe('repairing a map', () => {
  it("re-sends a lane's release lost after the item before it ended, with that end as its time", () => {
    const at = '2026-12-03T10:00:00.000Z';
    const ended = item(0, 'succeeded', { events: [{ type: 'task.succeeded', lamport: 3, at }] });
    const repair = repairMap(map, 'm', mapRecord({ dispatchedAt: 5 }), records(ended, item(1, 'running')));
    expect(repair?.release).toEqual([{ index: 2, since: Date.parse(at) }]);
  });

  it('counts lanes that ended and failed items not counted, and settles a map its counts decide', () => {
    const tasks = records(
      ...[0, 2, 4].map((i) => item(i, 'succeeded')),
      item(1, 'succeeded'),
      item(3, 'failed'),
    );
    expect(repairMap(map, 'm', mapRecord({}, { lanesDone: [0] }), tasks)).toEqual({
      release: [],
      lanes: [1],
      failed: [3],
      settle: false,
    });
    const counted = mapRecord({}, { lanesDone: [0, 1], failedItems: [3] });
    expect(repairMap(map, 'm', counted, tasks)).toEqual({ release: [], lanes: [], failed: [], settle: true });
  });
});
