import { describe, expect, it } from 'vitest';
import type { FaultPoint } from '../../../src/runtime/index.ts';
import type { EngineMetrics } from '../../../src/runtime/metrics.ts';
import { noopMetrics } from '../../../src/runtime/metrics.ts';
import type { HandlerRegistry, TaskContext, TaskEvent } from '../../../src/runtime/types.ts';
import { type Bench, catalog, createBench, type Endpoints, pastGrace, plan } from './harness.ts';

class Broken extends Error {
  override name = 'Broken';
}

const chain = plan(`workflow:
  name: crashy
  tasks:
    - id: a
    - id: b
      deps: [a]
    - id: x
      deps: [a]
    - id: c
      deps: [b, x]
`);

const failing = plan(`workflow:
  name: undoing
  tasks:
    - id: a
      compensation: undo
    - id: f
      deps: [a]
`);

function counting(calls: Map<string, number>): HandlerRegistry {
  const bump = (name: string) => calls.set(name, (calls.get(name) ?? 0) + 1);
  return {
    a: () => bump('a'),
    b: () => bump('b'),
    x: () => bump('x'),
    c: (event: TaskEvent) => {
      bump('c');
      return Object.keys(event.deps).sort();
    },
    f: () => {
      bump('f');
      throw new Broken('f fails');
    },
    undo: () => bump('undo'),
  };
}

/**
 * Simulates a process dying at `point` (the first time it is reached on `taskId`), throws away every SQS
 * message, runs the recovery pass from another process and drives the run to its end there.
 */
async function crashAndRecover(
  bench: Bench,
  workflow: string,
  point: FaultPoint,
  taskId?: string,
  continuations?: number,
) {
  let crashed = false;
  const doomed = bench.runtime({
    owner: 'doomed',
    ...(continuations === undefined ? {} : { continuations }),
    faults: (at, site) => {
      if (!crashed && at === point && (taskId === undefined || site.taskId === taskId)) {
        crashed = true;
        throw new Error(`simulated crash at ${point}`);
      }
    },
  });
  let runId: string;
  try {
    runId = (await doomed.submit({ workflow, input: null, runId: `crash-${point}` })).runId;
  } catch {
    runId = `crash-${point}`;
  }
  await bench.drive(doomed, async () => crashed);
  expect(crashed).toBe(true);
  await bench.purge();
  // the next pass of the reaper: every dispatch recorded before the crash is old enough to have been lost
  await pastGrace();
  const survivor = bench.runtime({ owner: 'survivor', isOwnerAlive: (owner) => owner !== 'doomed' });
  const report = await survivor.recover();
  const view = await bench.runToEnd(survivor, runId);
  return { report, view };
}

/** Crash injection at every step, lease expiry, stale attempts, and the Lamport history. */
export function recoveryCases(endpoints: () => Endpoints): void {
  describe('crash recovery from DynamoDB alone', () => {
    const expectedRuns: Record<string, number> = {
      afterSubmit: 1,
      afterClaim: 1,
      afterEdgeClaim: 1,
      afterHandler: 2,
      afterCheckpoint: 1,
      beforeDispatch: 1,
    };
    for (const [point, bRuns] of Object.entries(expectedRuns)) {
      it(`finishes the run after a crash ${point}, running no checkpointed task again`, async () => {
        const calls = new Map<string, number>();
        const bench = await createBench(endpoints(), catalog(chain), counting(calls));
        const { report, view } = await crashAndRecover(
          bench,
          'crashy',
          point as FaultPoint,
          point === 'afterSubmit' || point === 'beforeDispatch' ? undefined : 'b',
          // a dispatch happens only for what the worker does not continue itself
          point === 'beforeDispatch' ? 0 : undefined,
        );
        expect(view.status).toBe('succeeded');
        expect(report.runs).toBe(1);
        expect(Object.fromEntries(calls)).toEqual({ a: 1, b: bRuns, x: 1, c: 1 });
        expect(view.tasks.c?.output).toEqual(['b', 'x']);
      });
    }

    it('redoes the edge a worker held back for a join when it dies before the join is claimed', async () => {
      const diamond = plan(
        'workflow:\n  name: held\n  tasks:\n    - id: a\n    - id: b\n      deps: [a]\n    - id: c\n      deps: [a, b]\n',
      );
      const calls = new Map<string, number>();
      const bump = (name: string) => calls.set(name, (calls.get(name) ?? 0) + 1);
      const handlers: HandlerRegistry = {
        a: () => bump('a'),
        b: () => bump('b'),
        c: (event: TaskEvent) => {
          bump('c');
          return Object.keys(event.deps).sort();
        },
      };
      const bench = await createBench(endpoints(), catalog(diamond), handlers);
      const { report, view } = await crashAndRecover(bench, 'held', 'afterEdgeHeld', 'c');
      expect(view.status).toBe('succeeded');
      expect(report.runs).toBe(1);
      // b was claimed by a's edge and never ran in the dead worker; a ran once
      expect(Object.fromEntries(calls)).toEqual({ a: 1, b: 1, c: 1 });
      expect(view.tasks.c?.output).toEqual(['a', 'b']);
    });

    it('finalises a run whose last checkpoint was written but not counted on the run', async () => {
      const calls = new Map<string, number>();
      const bench = await createBench(endpoints(), catalog(chain), counting(calls));
      const { report, view } = await crashAndRecover(bench, 'crashy', 'afterCheckpoint', 'c');
      expect(view.status).toBe('succeeded');
      expect(report.finalised).toBe(1);
      expect(Object.fromEntries(calls)).toEqual({ a: 1, b: 1, x: 1, c: 1 });
    });

    for (const [point, undoRuns] of [
      ['afterStop', 1],
      ['afterCompensationClaim', 1],
      ['afterCompensationHandler', 2],
    ] as const) {
      it(`completes the rollback after a crash ${point}`, async () => {
        const calls = new Map<string, number>();
        const bench = await createBench(endpoints(), catalog(failing), counting(calls));
        const { view } = await crashAndRecover(bench, 'undoing', point);
        expect(view).toMatchObject({ status: 'failed', rollback: 'completed' });
        expect(Object.fromEntries(calls)).toEqual({ a: 1, f: 1, undo: undoRuns });
      });
    }

    it('takes over a silent attempt past its lease and refuses the stale attempt its late result', async () => {
      const workflow = plan('workflow:\n  name: zombie\n  tasks:\n    - id: z\n      heartbeat: 1s\n');
      let release: () => void = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      let started: () => void = () => {};
      const running = new Promise<void>((resolve) => {
        started = resolve;
      });
      const handlers: HandlerRegistry = {
        z: async (event: TaskEvent) => {
          if (event.attempt > 1) return 'second';
          started();
          await gate;
          return 'first';
        },
      };
      const bench = await createBench(endpoints(), catalog(workflow), handlers);
      const conflicts: string[] = [];
      const metrics: EngineMetrics = { ...noopMetrics, casConflict: (kind) => conflicts.push(kind) };
      const silent = bench.runtime({ owner: 'silent', metrics });
      const { runId } = await silent.submit({ workflow: 'zombie', input: null });
      await bench.purge();
      const body = JSON.stringify({ runId, taskId: 'z', kind: 'task', lamport: 1, readyAt: Date.now() });
      const firstAttempt = silent.handleMessage(body);
      await running;
      // another worker, whose clock is past the silent attempt's 1 s lease
      const later = bench.runtime({ owner: 'later', now: () => Date.now() + 5_000 });
      expect((await later.recover()).expiredLeases).toBe(1);
      const view = await bench.runToEnd(later, runId);
      expect(view.tasks.z).toMatchObject({ status: 'succeeded', attempts: 2, output: 'second' });
      release();
      await firstAttempt;
      expect((await later.getRun(runId))?.tasks.z?.output).toBe('second');
      expect(conflicts).toContain('checkpoint');
      const types = ((await later.history(runId)) ?? []).map((e) => e.type);
      expect(types).toContain('task.takenOver');
    });

    it('keeps the lease of an attempt that heartbeats', async () => {
      const workflow = plan('workflow:\n  name: beating\n  tasks:\n    - id: h\n      heartbeat: 1s\n');
      let ticks = 0;
      const handlers: HandlerRegistry = {
        h: async (_event: TaskEvent, ctx: TaskContext) => {
          // 1.2 s in all, longer than the 1 s lease, which each heartbeat renews
          for (let i = 0; i < 6; i += 1) {
            await new Promise((resolve) => setTimeout(resolve, 200));
            await ctx.heartbeat();
            ticks += 1;
          }
          return ticks;
        },
      };
      const bench = await createBench(endpoints(), catalog(workflow), handlers);
      const worker = bench.runtime({ owner: 'worker' });
      const reaper = bench.runtime({ owner: 'reaper' });
      const { runId } = await worker.submit({ workflow: 'beating', input: null });
      let expired = 0;
      const view = await bench.drive(worker, async () => {
        expired += (await reaper.recover()).expiredLeases;
        return (await worker.getRun(runId))?.status === 'succeeded';
      });
      expect(view).toBe(0);
      expect(expired).toBe(0);
      expect((await worker.getRun(runId))?.tasks.h).toMatchObject({
        status: 'succeeded',
        attempts: 1,
        output: 6,
      });
    });

    it('stops a run that outlives its workflow timeout and rolls it back', async () => {
      const workflow = plan(`workflow:
  name: bounded
  timeout: 1m
  tasks:
    - id: a
      compensation: undo
    - id: b
      deps: [a]
`);
      const calls = new Map<string, number>();
      const bench = await createBench(endpoints(), catalog(workflow), counting(calls));
      const runtime = bench.runtime();
      const { runId } = await runtime.submit({ workflow: 'bounded', input: null });
      const a = JSON.stringify({ runId, taskId: 'a', kind: 'task', lamport: 1, readyAt: Date.now() });
      // a runs; b is sent to the queue (not continued here), and that message is lost
      await runtime.handleMessage(a, { maxContinuations: 0 });
      await bench.purge();
      const reaper = bench.runtime({ now: () => Date.now() + 2 * 60_000 });
      await reaper.recover();
      const view = await bench.runToEnd(reaper, runId);
      expect(view).toMatchObject({
        status: 'failed',
        rollback: 'completed',
        error: { name: 'WorkflowTimeout' },
      });
      expect(view.tasks.b?.status).toBe('skipped');
      expect(Object.fromEntries(calls)).toEqual({ a: 1, undo: 1 });
    });

    it('orders the history totally and causally by Lamport time', async () => {
      const calls = new Map<string, number>();
      const bench = await createBench(endpoints(), catalog(chain), counting(calls));
      const runtime = bench.runtime();
      const { runId } = await runtime.submit({ workflow: 'crashy', input: null });
      await bench.runToEnd(runtime, runId);
      const history = (await runtime.history(runId)) ?? [];
      const keys = history.map((e) => `${e.lamport}/${e.taskId ?? ''}`);
      expect(new Set(keys).size).toBe(keys.length);
      expect(history[0]?.type).toBe('run.submitted');
      expect(history.at(-1)?.type).toBe('run.succeeded');
      const at = (type: string, taskId: string) =>
        history.find((e) => e.type === type && e.taskId === taskId)?.lamport ?? Number.NaN;
      for (const [dep, task] of [
        ['a', 'b'],
        ['a', 'x'],
        ['b', 'c'],
        ['x', 'c'],
      ] as const) {
        expect(at('task.succeeded', dep)).toBeLessThan(at('task.claimed', task));
      }
      for (const task of ['a', 'b', 'x', 'c']) {
        expect(at('task.claimed', task)).toBeLessThan(at('task.succeeded', task));
      }
    });
  });
}
