import { describe, expect, it } from 'vitest';
import { firstInLane, itemId, nextInLane, repairMap } from '../../../src/engine/map.ts';
import { restartMap } from '../../../src/engine/map-redrive.ts';
import { decideRecovery } from '../../../src/engine/recovery.ts';
import { decidePause, decideRedrive } from '../../../src/engine/redrive.ts';
import { resetTask } from '../../../src/engine/transitions/index.ts';
import type { MapState } from '../../../src/engine/types.ts';
import { loadPlan } from '../../../src/workflow/index.ts';
import { byId, run, task } from './records.ts';

const plan = loadPlan(
  `workflow:
  name: w
  on_failure: pause
  tasks:
    - id: load
    - id: fan
      deps: [load]
      map: { items: input.items, max_concurrency: 2 }
    - id: join
      deps: [fan]
`,
  'w.yaml',
);

const state = (over: Partial<MapState> = {}): MapState => ({
  items: '["a","b","c","d","e"]',
  count: 5,
  lanes: 2,
  lanesDone: [],
  failedItems: [],
  kept: [],
  ...over,
});
const item = (index: number, status: 'succeeded' | 'failed' | 'running' | 'ready', redriven?: number) =>
  task(itemId('fan', index), { status, ...(redriven === undefined ? {} : { redriven }) });
const texts = (...values: string[]) => values.map((v) => JSON.stringify(v));

describe('a redriven map’s lanes', () => {
  it('passes over kept items: the next item of a lane, and the first', () => {
    const kept = { count: 7, lanes: 2, kept: [0, 2, 3] };
    expect(nextInLane(kept, 1)).toBe(5);
    expect(nextInLane(kept, 4)).toBe(6);
    expect(nextInLane(kept, 6)).toBeUndefined();
    expect(firstInLane(kept, 0)).toBe(4);
    expect(firstInLane(kept, 1)).toBe(1);
    expect(firstInLane({ count: 3, lanes: 2, kept: [1] }, 1)).toBeUndefined();
  });

  it('releases a reset item nothing claimed yet, from the map’s start when the items before it were kept', () => {
    const map = { items: 'x', maxConcurrency: 2, tolerated: { count: 0 } } as const;
    const record = { ...task('fan', { status: 'waiting', dispatchedAt: 5_000 }), map: state({ kept: [0] }) };
    const tasks = byId(
      task(itemId('fan', 0), {
        status: 'succeeded',
        events: [{ type: 'x', lamport: 1, at: new Date(1_000).toISOString() }],
      }),
      task(itemId('fan', 2), { status: 'ready', redriven: 1 }),
      task(itemId('fan', 1), { status: 'running', owner: 'w', leaseUntil: 99_999 }),
    );
    expect(repairMap(map, 'fan', record, tasks)?.release).toEqual([{ index: 2, since: 5_000 }]);
  });
});

describe('restartMap', () => {
  const input = (tasks: ReturnType<typeof byId>, items = texts('a', 'b', 'c', 'd', 'e')) => ({
    previous: texts('a', 'b', 'c', 'd', 'e'),
    items,
    lanes: 2,
    tasks,
    redrive: 1,
  });

  it('keeps the items that succeeded with the same value and resets the records of the others', () => {
    const tasks = byId(item(0, 'succeeded'), item(1, 'failed'), item(2, 'succeeded'), item(3, 'ready'));
    expect(restartMap('fan', input(tasks, texts('a', 'b', 'C', 'd', 'e')))).toEqual({
      kind: 'start',
      kept: [0],
      lanesDone: [],
      reset: ['fan[1]', 'fan[2]', 'fan[3]'],
    });
  });

  it('counts a lane whose every item is kept as done, and resets no record twice in one redrive', () => {
    const tasks = byId(item(0, 'succeeded'), item(2, 'succeeded'), item(4, 'succeeded'), item(1, 'ready', 1));
    expect(restartMap('fan', input(tasks))).toEqual({
      kind: 'start',
      kept: [0, 2, 4],
      lanesDone: [0],
      reset: [],
    });
  });

  it('keeps nothing past the previous list, and keeps an item only by its value at its index', () => {
    const tasks = byId(item(0, 'succeeded'), item(1, 'succeeded'));
    const longer = { ...input(tasks, texts('b', 'b', 'x')), previous: texts('a', 'b') };
    expect(restartMap('fan', longer)).toMatchObject({ kept: [1], reset: ['fan[0]'] });
  });

  it('refuses a shorter list that leaves out an item that succeeded', () => {
    const tasks = byId(item(0, 'succeeded'), item(3, 'succeeded'), item(4, 'failed'));
    expect(restartMap('fan', input(tasks, texts('a', 'b')))).toEqual({ kind: 'refused', dropped: [3] });
    const failedOnly = byId(item(0, 'succeeded'), item(4, 'failed'));
    expect(restartMap('fan', input(failedOnly, texts('a')))).toMatchObject({ kind: 'start', kept: [0] });
  });
});

describe('pause and redrive of a map', () => {
  it('flags the running items of a map that failed, not those of a map that still waits', () => {
    const failed = task('fan', { status: 'failed', map: state() });
    const running = task(itemId('fan', 2), { status: 'running' });
    expect(decidePause(plan, byId(task('load', { status: 'succeeded' }), failed, running)).flag).toEqual([
      'fan[2]',
    ]);
    const waiting = task('fan', { status: 'waiting', map: state() });
    expect(decidePause(plan, byId(task('load', { status: 'succeeded' }), waiting, running)).flag).toEqual([
      'fan',
    ]);
  });

  it('resets a failed map keeping its items, and from the map every item runs again', () => {
    const tasks = byId(
      task('load', { status: 'succeeded' }),
      task('fan', { status: 'failed', map: state() }),
    );
    const paused = run({ status: 'paused' });
    expect(decideRedrive(plan, paused, tasks)).toMatchObject({ reset: ['fan'], rerunMaps: [] });
    expect(decideRedrive(plan, paused, tasks, 'load')).toMatchObject({
      reset: ['load', 'fan', 'join'],
      rerunMaps: ['fan'],
    });
  });

  it('refuses a redrive while an item of a map to reset still runs', () => {
    const tasks = byId(task('fan', { status: 'failed', map: state() }), item(3, 'running'));
    expect(decideRedrive(plan, run({ status: 'paused' }), tasks)).toMatchObject({
      kind: 'refused',
      code: 'redrive.taskBusy',
      message: expect.stringContaining("'fan[3]'"),
    });
  });

  it('recovers a redrive from a map: its items’ records are reset before the map', () => {
    const tasks = byId(
      task('load', { status: 'succeeded', redriven: 1 }),
      task('fan', { status: 'failed', map: state() }),
      item(0, 'succeeded'),
      item(1, 'failed', 1),
      task('join', { redriven: 1 }),
    );
    const redriven = run({ redrives: 1, reset: ['fan', 'join', 'load'], rerunMaps: ['fan'] });
    const commands = decideRecovery({
      plan,
      run: redriven,
      tasks,
      now: 0,
      deadOwners: new Set(),
      graceMs: 0,
    });
    expect(commands).toEqual([
      { kind: 'reset', taskId: 'fan[0]' },
      { kind: 'reset', taskId: 'fan' },
    ]);
  });

  it('dispatches a reset map as any task until it starts again', () => {
    const tasks = byId(
      task('load', { status: 'succeeded' }),
      task('fan', { status: 'ready', redriven: 1, depsDone: ['load'], map: state() }),
      item(0, 'succeeded'),
      item(1, 'ready'),
    );
    const again = run({ redrives: 1, reset: ['fan'] });
    const commands = decideRecovery({ plan, run: again, tasks, now: 0, deadOwners: new Set(), graceMs: 0 });
    // not its stale items (a retry the pause left): they are the map's next start's to reset
    expect(commands).toEqual([{ kind: 'dispatch', taskId: 'fan', compensation: false }]);
  });

  it('a reset keeps a map’s recorded items, for its next start to compare', () => {
    const failed = task('fan', { status: 'failed', map: state({ failedItems: [1] }) });
    const event = { type: 'task.reset', lamport: 5, at: 'now' };
    const reset = resetTask(failed, {
      runId: 'r1',
      taskId: 'fan',
      redrive: 1,
      status: 'pending',
      dropDeps: [],
      lamport: 5,
      event,
    });
    expect(reset?.map).toEqual(failed.map);
    expect(reset?.status).toBe('pending');
  });
});
