import { describe, expect, it } from 'vitest';
import type {
  CompensationEvent,
  HandlerRegistry,
  RedriveRequest,
  Runtime,
  RunView,
  TaskEvent,
} from '../../../src/runtime/types.ts';
import { type Bench, catalog, createBench, type Endpoints, pastGrace, plan } from './harness.ts';

const batch = (concurrency: number) =>
  plan(`workflow:
  name: batch_paused
  on_failure: pause
  tasks:
    - id: load
      compensation: unload
    - id: score
      deps: [load]
      map: { items: input.items, max_concurrency: ${concurrency} }
      compensation: unscore
      retry_policy: { max_attempts: 1 }
    - id: decide
      deps: [score]
`);

interface Recorder {
  /** `score` calls, as `index:item`. */
  readonly scored: string[];
  readonly unscored: CompensationEvent[];
  readonly calls: string[];
  readonly decided: TaskEvent[];
}

function handlers(rec: Recorder): HandlerRegistry {
  return {
    load: () => {
      rec.calls.push('load');
      return { loaded: true };
    },
    unload: () => {
      rec.calls.push('unload');
    },
    score: async (event: TaskEvent) => {
      rec.scored.push(`${event.index}:${String(event.item)}`);
      // a bad item fails later than a good one succeeds: the items before it in the other lane end first
      if (event.item === 'bad') {
        await new Promise((resolve) => setTimeout(resolve, 40));
        throw new Error(`item ${event.index} is bad`);
      }
      // a slow item still runs in the other lane when the map fails
      await new Promise((resolve) => setTimeout(resolve, event.item === 'slow' ? 100 : 5));
      return `${String(event.item)}!`;
    },
    unscore: (event: CompensationEvent) => {
      rec.unscored.push(event);
    },
    decide: (event: TaskEvent) => {
      rec.calls.push('decide');
      rec.decided.push(event);
      return { total: (event.deps.score as string[]).length };
    },
  };
}

/** Two lanes: 0, 2, 4 and 1, 3, 5; item 1 fails while item 2 runs (it succeeds after the map failed). */
const FIRST = ['a', 'bad', 'slow', 'd', 'e', 'f'];
/** The fixed input: the bad item fixed, item 0 changed (it succeeded: it runs again, with its new value). */
const FIXED = ['a2', 'B', 'slow', 'd', 'e', 'f'];

async function untilPausedAndIdle(bench: Bench, runtime: Runtime, runId: string): Promise<RunView> {
  let view: RunView | undefined;
  // paused, and the items of the other lane that ran when the map failed have ended
  await bench.drive(runtime, async () => {
    view = await runtime.getRun(runId);
    return view?.status === 'paused' && view.tasks.score?.map?.running === 0;
  });
  if (!view) throw new Error('no run');
  return view;
}

/** The indexes of the items whose record succeeded. */
async function succeededItems(runtime: Runtime, runId: string): Promise<number[]> {
  const history = (await runtime.history(runId)) ?? [];
  const indexes = history
    .filter((e) => e.type === 'task.succeeded' && e.taskId?.startsWith('score['))
    .map((e) => Number(/\[(\d+)\]/.exec(e.taskId ?? '')?.[1]));
  return [...new Set(indexes)].sort((a, b) => a - b);
}

async function pausedMap(endpoints: () => Endpoints, items: readonly string[] = FIRST, concurrency = 2) {
  const rec: Recorder = { scored: [], unscored: [], calls: [], decided: [] };
  const bench = await createBench(endpoints(), catalog(batch(concurrency)), handlers(rec));
  const runtime = bench.runtime();
  const { runId } = await runtime.submit({ workflow: 'batch_paused', input: { items: [...items] } });
  const view = await untilPausedAndIdle(bench, runtime, runId);
  const before = await succeededItems(runtime, runId);
  return { rec, bench, runtime, runId, view, before };
}

/**
 * A redrive whose process dies right after recording it (`afterRedrive`), its messages gone: a survivor's
 * recovery pass goes on from the run record. Returns the run at its end.
 */
async function redriveAndDie(bench: Bench, runId: string, request: RedriveRequest): Promise<RunView> {
  const doomed = bench.runtime({
    owner: 'doomed',
    faults: (point) => {
      if (point === 'afterRedrive') throw new Error('the process died');
    },
  });
  await expect(doomed.redrive(runId, request)).rejects.toThrow('the process died');
  await bench.purge();
  await pastGrace();
  const survivor = bench.runtime({ owner: 'survivor' });
  await survivor.recover();
  return bench.runToEnd(survivor, runId, { recoverEveryMs: 250 });
}

const callsOf = (rec: Recorder, index: number) => rec.scored.filter((c) => c.startsWith(`${index}:`));

/** `on_failure: pause` with a map: a redrive runs again only the items that did not succeed. */
export function mapPauseCases(endpoints: () => Endpoints): void {
  describe('map with on_failure: pause', () => {
    it('pauses when the map fails, and a redrive runs again only the items that did not succeed', async () => {
      const { rec, bench, runtime, runId, view, before } = await pausedMap(endpoints);
      expect(view.error).toMatchObject({ name: 'MapFailed', taskId: 'score' });
      expect(view.rollback).toBe('none');
      expect(rec.unscored).toEqual([]);
      expect(rec.calls).toEqual(['load']);
      // lane 0 ran item 0, and item 2 ended after item 1 failed the map; nothing started after that
      expect(before).toEqual([0, 2]);
      expect(rec.scored.map((c) => Number(c.split(':')[0])).sort()).toEqual([0, 1, 2]);

      expect(await runtime.redrive(runId, { input: { items: FIXED } })).toEqual({ kind: 'done' });
      const done = await bench.runToEnd(runtime, runId);
      expect(done.status).toBe('succeeded');
      expect(done.tasks.score?.output).toEqual(FIXED.map((item) => `${item}!`));
      // kept: succeeded before with the same value; they ran exactly once overall
      const kept = before.filter((index) => FIXED[index] === FIRST[index]);
      expect(kept).toEqual([2]);
      for (const index of kept)
        expect(callsOf(rec, index), `item ${index}`).toEqual([`${index}:${FIRST[index]}`]);
      // every other item ran (again) with its new value
      for (let index = 0; index < FIXED.length; index += 1) {
        if (kept.includes(index)) continue;
        expect(callsOf(rec, index).at(-1), `item ${index}`).toBe(`${index}:${FIXED[index]}`);
      }
      expect(callsOf(rec, 1)).toEqual(['1:bad', '1:B']);
      expect(rec.calls.filter((c) => c === 'decide')).toHaveLength(1);
      expect(rec.decided[0]?.deps.score).toEqual(FIXED.map((item) => `${item}!`));
      expect(rec.calls.filter((c) => c === 'load')).toHaveLength(1);
      expect(done.tasks.score?.map).toMatchObject({ items: 6, succeeded: 6, failed: 0, kept: kept.length });
      const history = (await runtime.history(runId)) ?? [];
      for (const index of kept) {
        const ends = history.filter((e) => e.taskId === `score[${index}]` && e.type === 'task.succeeded');
        expect(ends, `score[${index}]`).toHaveLength(1);
      }
    });

    it('redrives from the map: every item runs again', async () => {
      const { rec, bench, runtime, runId, before } = await pausedMap(endpoints);
      expect(await runtime.redrive(runId, { from: 'score', input: { items: FIXED } })).toEqual({
        kind: 'done',
      });
      const done = await bench.runToEnd(runtime, runId);
      expect(done.status).toBe('succeeded');
      expect(done.tasks.score?.output).toEqual(FIXED.map((item) => `${item}!`));
      for (let index = 0; index < FIXED.length; index += 1) {
        expect(callsOf(rec, index).at(-1), `item ${index}`).toBe(`${index}:${FIXED[index]}`);
      }
      for (const index of before) expect(callsOf(rec, index), `item ${index}`).toHaveLength(2);
      expect(done.tasks.score?.map?.kept).toBeUndefined();
      expect(rec.calls.filter((c) => c === 'load')).toHaveLength(1);
      expect(rec.calls.filter((c) => c === 'decide')).toHaveLength(1);
    });

    it('rolls a paused map back: exactly the items that succeeded are compensated', async () => {
      const { rec, bench, runtime, runId, before } = await pausedMap(endpoints);
      expect(await runtime.rollback(runId)).toEqual({ kind: 'done' });
      const view = await bench.runToEnd(runtime, runId);
      expect(view).toMatchObject({ status: 'failed', rollback: 'completed' });
      expect(rec.unscored.map((e) => e.index).sort()).toEqual(before);
      expect(rec.unscored.map((e) => e.item)).toEqual(expect.arrayContaining(before.map((i) => FIRST[i])));
      expect(rec.calls.filter((c) => c === 'unload')).toHaveLength(1);
    });

    it('joins at once when the redrive keeps every item', async () => {
      // one lane: a and c succeed, then bad fails; without it, both are kept
      const { rec, bench, runtime, runId } = await pausedMap(endpoints, ['a', 'c', 'bad'], 1);
      expect(await runtime.redrive(runId, { input: { items: ['a', 'c'] } })).toEqual({ kind: 'done' });
      const done = await bench.runToEnd(runtime, runId);
      expect(done.status).toBe('succeeded');
      expect(done.tasks.score?.output).toEqual(['a!', 'c!']);
      expect(rec.scored).toEqual(['0:a', '1:c', '2:bad']);
      expect(done.tasks.score?.map).toMatchObject({ items: 2, succeeded: 2, kept: 2 });
    });

    it('refuses to leave out an item that succeeded: the map fails again, and a rollback compensates it', async () => {
      const { rec, bench, runtime, runId } = await pausedMap(endpoints, ['a', 'c', 'bad'], 1);
      await runtime.redrive(runId, { input: { items: ['a'] } });
      let view: RunView | undefined;
      await bench.drive(runtime, async () => {
        view = await runtime.getRun(runId);
        return view?.status === 'paused';
      });
      expect(view?.error?.message).toMatch(/item 1 succeeded before and would be left out/);
      await runtime.rollback(runId);
      const done = await bench.runToEnd(runtime, runId);
      expect(done).toMatchObject({ status: 'failed', rollback: 'completed' });
      expect(rec.unscored.map((e) => [e.index, e.item]).sort()).toEqual([
        [0, 'a'],
        [1, 'c'],
      ]);
    });

    it('finishes a map redrive whose process died after recording it', async () => {
      const { rec, bench, runId, before } = await pausedMap(endpoints);
      const done = await redriveAndDie(bench, runId, { input: { items: FIXED } });
      expect(done.status).toBe('succeeded');
      expect(done.tasks.score?.output).toEqual(FIXED.map((item) => `${item}!`));
      const kept = before.filter((index) => FIXED[index] === FIRST[index]);
      for (const index of kept) expect(callsOf(rec, index), `item ${index}`).toHaveLength(1);
      expect(rec.calls.filter((c) => c === 'decide')).toHaveLength(1);
    });

    it('finishes a redrive from the map whose process died: the recovery pass resets every item', async () => {
      const { rec, bench, runId, before } = await pausedMap(endpoints);
      const done = await redriveAndDie(bench, runId, { from: 'score', input: { items: FIXED } });
      expect(done.status).toBe('succeeded');
      for (const index of before) expect(callsOf(rec, index), `item ${index}`).toHaveLength(2);
    });
  });
}
