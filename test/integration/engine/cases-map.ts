import { describe, expect, it } from 'vitest';
import type { FaultPoint } from '../../../src/runtime/deps.ts';
import type { CompensationEvent, HandlerRegistry, TaskEvent } from '../../../src/runtime/types.ts';
import { catalog, createBench, type Endpoints, pastGrace, plan } from './harness.ts';

const batch = (map: string) =>
  plan(`workflow:
  name: batch
  tasks:
    - id: load
      compensation: unload
    - id: score
      deps: [load]
      map: ${map}
      compensation: unscore
      retry_policy: { max_attempts: 2, backoff: 1ms }
    - id: decide
      deps: [score]
`);

interface Recorder {
  readonly calls: string[];
  readonly scored: TaskEvent[];
  readonly unscored: CompensationEvent[];
  inFlight: number;
  peak: number;
}

interface Behaviour {
  /** `score` of these items fails on every attempt. */
  readonly failItems?: readonly number[];
  /** `score` of these items fails on their first attempt only. */
  readonly flakyItems?: readonly number[];
  readonly failDecide?: boolean;
  readonly items?: number;
  /** `score` of items from this index on waits for `hold` before it returns. */
  readonly holdFrom?: number;
  readonly hold?: Promise<void>;
}

function handlers(rec: Recorder, behaviour: Behaviour): HandlerRegistry {
  const attempts = new Map<number, number>();
  return {
    load: () => {
      rec.calls.push('load');
      return { rows: Array.from({ length: behaviour.items ?? 7 }, (_, i) => ({ id: i, amount: i * 10 })) };
    },
    unload: () => {
      rec.calls.push('unload');
    },
    score: async (event: TaskEvent) => {
      rec.scored.push(event);
      rec.inFlight += 1;
      rec.peak = Math.max(rec.peak, rec.inFlight);
      try {
        await new Promise((resolve) => setTimeout(resolve, 5));
        const index = event.index ?? -1;
        if (behaviour.holdFrom !== undefined && index >= behaviour.holdFrom) await behaviour.hold;
        const nth = (attempts.get(index) ?? 0) + 1;
        attempts.set(index, nth);
        if (behaviour.failItems?.includes(index)) throw new Error(`item ${index} refused`);
        if (behaviour.flakyItems?.includes(index) && nth === 1) throw new Error(`item ${index} flaked`);
        const item = event.item as { id: number; amount: number };
        return { id: item.id, score: item.amount + 1 };
      } finally {
        rec.inFlight -= 1;
      }
    },
    unscore: (event: CompensationEvent) => {
      rec.unscored.push(event);
    },
    decide: (event: TaskEvent) => {
      rec.calls.push('decide');
      if (behaviour.failDecide) throw new Error('declined');
      return { total: (event.deps.score as { score: number }[]).length };
    },
  };
}

const recorder = (): Recorder => ({ calls: [], scored: [], unscored: [], inFlight: 0, peak: 0 });

async function bench(endpoints: () => Endpoints, rec: Recorder, map: string, behaviour: Behaviour = {}) {
  return createBench(endpoints(), catalog(batch(map)), handlers(rec, behaviour));
}

const distinctIndexes = (events: readonly { readonly index?: number }[]) =>
  new Set(events.map((e) => e.index)).size;

/** Map tasks: items in lanes, checkpointed one by one, joined once, compensated item by item. */
export function mapCases(
  endpoints: () => Endpoints,
  options: { readonly crashPoints?: readonly FaultPoint[] } = {},
): void {
  describe('map', () => {
    it('runs every item at most max_concurrency at once and joins once with the outputs in order', async () => {
      const rec = recorder();
      const b = await bench(endpoints, rec, '{ items: deps.load.rows, max_concurrency: 2 }', {
        flakyItems: [3],
      });
      const runtime = b.runtime();
      const { runId } = await runtime.submit({ workflow: 'batch', input: { tenant: 't' }, runId: 'map-1' });
      const view = await b.runToEnd(runtime, runId, { concurrency: 8 });
      expect(view.status).toBe('succeeded');
      expect(view.tasks.score?.output).toEqual(
        Array.from({ length: 7 }, (_, i) => ({ id: i, score: i * 10 + 1 })),
      );
      expect(view.tasks.score?.map).toEqual({
        items: 7,
        lanes: 2,
        succeeded: 7,
        failed: 0,
        running: 0,
        compensated: 0,
      });
      expect(rec.peak).toBeLessThanOrEqual(2);
      // item 3 retried once, per the task's policy; every other item ran once
      expect(rec.scored).toHaveLength(8);
      expect(rec.scored[0]?.deps).toEqual({ load: expect.objectContaining({ rows: expect.any(Array) }) });
      expect(rec.scored[0]?.input).toEqual({ tenant: 't' });
      expect(rec.scored[0]?.taskId).toBe('score');
      expect(rec.calls.filter((call) => call === 'decide')).toHaveLength(1);
      const history = (await runtime.history(runId)) ?? [];
      expect(history.filter((e) => e.taskId === 'score[3]' && e.type === 'task.retrying')).toHaveLength(1);
    });

    it('an empty list succeeds at once with an empty output', async () => {
      const rec = recorder();
      const b = await bench(endpoints, rec, '{ items: deps.load.rows }', { items: 0 });
      const runtime = b.runtime();
      const { runId } = await runtime.submit({ workflow: 'batch', input: null, runId: 'map-empty' });
      const view = await b.runToEnd(runtime, runId);
      expect(view.status).toBe('succeeded');
      expect(view.tasks.score?.output).toEqual([]);
      expect(rec.scored).toHaveLength(0);
    });

    it('tolerates failed items up to its limit: null in their place', async () => {
      const rec = recorder();
      const b = await bench(
        endpoints,
        rec,
        "{ items: deps.load.rows, max_concurrency: 3, tolerated_failures: '30%' }",
        {
          failItems: [1, 4],
        },
      );
      const runtime = b.runtime();
      const { runId } = await runtime.submit({ workflow: 'batch', input: null, runId: 'map-tolerant' });
      const view = await b.runToEnd(runtime, runId, { concurrency: 4 });
      expect(view.status).toBe('succeeded');
      const output = view.tasks.score?.output as unknown[];
      expect(output[1]).toBeNull();
      expect(output[4]).toBeNull();
      expect(output[2]).toEqual({ id: 2, score: 21 });
      expect(view.tasks.score?.map).toMatchObject({ succeeded: 5, failed: 2 });
    });

    it('fails past its tolerance and compensates exactly the items that succeeded, then what the map depended on', async () => {
      const rec = recorder();
      const b = await bench(endpoints, rec, '{ items: deps.load.rows, max_concurrency: 2 }', {
        failItems: [4],
      });
      const runtime = b.runtime();
      const { runId } = await runtime.submit({ workflow: 'batch', input: null, runId: 'map-fail' });
      const view = await b.runToEnd(runtime, runId, { concurrency: 4 });
      expect(view.status).toBe('failed');
      expect(view.rollback).toBe('completed');
      expect(view.error).toMatchObject({ name: 'MapFailed', taskId: 'score' });
      expect(view.error?.message).toContain('item 4: Error: item 4 refused');
      const history = (await runtime.history(runId)) ?? [];
      const succeeded = new Set(
        history
          .filter((e) => e.type === 'task.succeeded' && e.taskId?.startsWith('score['))
          .map((e) => e.taskId),
      );
      const undone = new Set(rec.unscored.map((e) => `score[${e.index}]`));
      expect(undone).toEqual(succeeded);
      expect(rec.unscored.length).toBe(undone.size);
      expect(rec.unscored.every((e) => e.item !== undefined && e.output !== undefined)).toBe(true);
      // the items' undo comes before the compensation of what the map depended on
      expect(rec.calls.at(-1)).toBe('unload');
      expect(rec.calls).not.toContain('decide');
      expect(view.compensations.filter((c) => c.task.startsWith('score['))).toHaveLength(succeeded.size);
    });

    it('a failure after the map compensates every item (reverse order: items before load)', async () => {
      const rec = recorder();
      const b = await bench(endpoints, rec, '{ items: deps.load.rows, max_concurrency: 3 }', {
        failDecide: true,
      });
      const runtime = b.runtime();
      const { runId } = await runtime.submit({ workflow: 'batch', input: null, runId: 'map-after' });
      const view = await b.runToEnd(runtime, runId, { concurrency: 4 });
      expect(view.status).toBe('failed');
      expect(view.rollback).toBe('completed');
      expect(distinctIndexes(rec.unscored)).toBe(7);
      expect(rec.unscored).toHaveLength(7);
      expect(view.tasks.score?.map).toMatchObject({ compensated: 7 });
      expect(view.compensations.at(-1)?.task).toBe('load');
    });

    it('a cancel mid-map starts no new item, waits for the running ones and compensates every item that succeeded', async () => {
      const rec = recorder();
      let release = () => {};
      const hold = new Promise<void>((resolve) => {
        release = resolve;
      });
      const b = await bench(endpoints, rec, '{ items: deps.load.rows, max_concurrency: 2 }', {
        holdFrom: 2,
        hold,
      });
      const runtime = b.runtime();
      const { runId } = await runtime.submit({ workflow: 'batch', input: null, runId: 'map-cancel' });
      const driving = b.runToEnd(runtime, runId, { concurrency: 4 });
      while (distinctIndexes(rec.scored) < 4) await new Promise((r) => setTimeout(r, 10));
      await runtime.cancel(runId);
      release();
      const view = await driving;
      expect(view.status).toBe('cancelled');
      expect(view.rollback).toBe('completed');
      // items 2 and 3 were running at the cancel: they ended, and were undone with 0 and 1; 4-6 never ran
      expect([...new Set(rec.scored.map((e) => e.index))].sort()).toEqual([0, 1, 2, 3]);
      expect(rec.unscored.map((e) => e.index).sort()).toEqual([0, 1, 2, 3]);
      expect(view.tasks.score?.status).toBe('cancelled');
      expect(view.tasks.decide?.status).toBe('skipped');
      expect(rec.calls.at(-1)).toBe('unload');
    });

    const crashes = options.crashPoints ?? (['afterCheckpoint', 'afterMapStart', 'afterMapCount'] as const);
    for (const point of crashes) {
      it(`a crash ${point} mid-map: recovery re-runs only unfinished items and joins once`, async () => {
        const rec = recorder();
        const b = await bench(endpoints, rec, '{ items: deps.load.rows, max_concurrency: 2 }');
        let crashed = false;
        let counts = 0;
        const doomed = b.runtime({
          owner: 'doomed',
          faults: (at, site) => {
            // item 6 is the last of its lane (0, 2, 4, 6): its lane's end is left to recovery to count;
            // the second count completes the lanes: the join is left to recovery
            if (at === 'afterMapCount') counts += 1;
            const hit =
              at === point &&
              (point !== 'afterCheckpoint' || site.taskId === 'score[6]') &&
              (point !== 'afterMapCount' || counts === 2);
            if (!crashed && hit) {
              crashed = true;
              throw new Error(`simulated crash at ${point}`);
            }
          },
        });
        const runId = `map-crash-${point}`;
        await doomed.submit({ workflow: 'batch', input: null, runId });
        await b.drive(doomed, async () => crashed);
        await b.purge();
        await pastGrace();
        const survivor = b.runtime({ owner: 'survivor', isOwnerAlive: (owner) => owner !== 'doomed' });
        await survivor.recover();
        const view = await b.runToEnd(survivor, runId, { recoverEveryMs: 250 });
        expect(view.status).toBe('succeeded');
        expect(view.tasks.score?.output).toHaveLength(7);
        // every item checkpointed once: none that finished ran again
        const history = (await survivor.history(runId)) ?? [];
        const checkpoints = history.filter(
          (e) => e.type === 'task.succeeded' && e.taskId?.startsWith('score['),
        );
        expect(checkpoints).toHaveLength(7);
        expect(distinctIndexes(rec.scored)).toBe(7);
        expect(rec.calls.filter((call) => call === 'decide')).toHaveLength(1);
      });
    }
  });
}
