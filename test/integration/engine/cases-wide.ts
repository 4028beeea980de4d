import { describe, expect, it } from 'vitest';
import type { RuntimeConfig } from '../../../src/runtime/index.ts';
import type { HandlerRegistry, Runtime, TaskEvent } from '../../../src/runtime/types.ts';
import { type Bench, catalog, createBench, type Endpoints, plan } from './harness.ts';

const WIDTH = 40;

const wide = plan(`workflow:
  name: wide
  tasks:
    - id: root
${Array.from({ length: WIDTH }, (_, i) => `    - id: b${i}\n      handler: branch\n      deps: [root]`).join('\n')}
    - id: join
      deps: [${Array.from({ length: WIDTH }, (_, i) => `b${i}`).join(', ')}]
`);

const TASKS = WIDTH + 2;

/**
 * Each branch takes a while, so the fan-out's messages wait in the queue across many recovery passes;
 * `runs` counts the handler calls by task.
 */
function handlers(runs: Map<string, number>): HandlerRegistry {
  const ran = (taskId: string) => runs.set(taskId, (runs.get(taskId) ?? 0) + 1);
  return {
    root: () => ran('root'),
    branch: (event: TaskEvent) => {
      ran(event.taskId);
      return new Promise((resolve) => setTimeout(() => resolve('b'), 60));
    },
    join: () => ran('join'),
  };
}

/** A runtime that counts the task messages it is handed, by task. */
function counted(runtime: Runtime, deliveries: Map<string, number>): Runtime {
  return {
    ...runtime,
    handleMessage: (body, options) => {
      const { taskId } = JSON.parse(body) as { taskId?: string };
      if (taskId !== undefined) deliveries.set(taskId, (deliveries.get(taskId) ?? 0) + 1);
      return runtime.handleMessage(body, options);
    },
  };
}

/** Runs the wide workflow to its end with the recovery pass every 20 ms: deliveries and handler calls by task. */
async function runWide(
  endpoints: Endpoints,
  recovery: RuntimeConfig['recovery'],
  lose?: (bench: Bench) => Promise<void>,
): Promise<{ deliveries: Map<string, number>; runs: Map<string, number> }> {
  const runs = new Map<string, number>();
  const bench = await createBench(endpoints, catalog(wide), handlers(runs));
  const deliveries = new Map<string, number>();
  const runtime = counted(bench.runtime({ ...(recovery ? { recovery } : {}) }), deliveries);
  const { runId } = await runtime.submit({ workflow: 'wide', input: null });
  if (lose) {
    await bench.drive(runtime, async () => deliveries.size >= WIDTH / 2, { concurrency: 1 });
    await lose(bench);
  }
  const view = await bench.runToEnd(runtime, runId, { concurrency: 1, recoverEveryMs: 20 });
  expect(view.status).toBe('succeeded');
  // a checkpointed task never runs again, whatever was sent twice
  expect(Math.max(...runs.values())).toBe(1);
  expect(runs.size).toBe(TASKS);
  return { deliveries, runs };
}

const total = (deliveries: Map<string, number>) => [...deliveries.values()].reduce((a, b) => a + b, 0);

/** The recovery pass running often over a run whose fan-out waits in the queue. */
export function wideCases(endpoints: () => Endpoints): void {
  describe('a wide run with the recovery pass running often', () => {
    it('delivers each task at most once while its dispatch is younger than the grace', async () => {
      const { deliveries } = await runWide(endpoints(), { graceMs: 60_000 });
      expect(Math.max(...deliveries.values())).toBe(1);
      expect(total(deliveries)).toBeLessThanOrEqual(TASKS);
    });

    it('delivers the waiting tasks again on every pass with no grace (the rule before the grace)', async () => {
      const { deliveries } = await runWide(endpoints(), { graceMs: 0 });
      // some task was delivered again while its first message waited in the queue
      expect(total(deliveries)).toBeGreaterThan(deliveries.size);
    });

    it('still sends every lost dispatch again once it is older than the grace', async () => {
      // half the fan-out delivered, then every queued message is lost: later passes send the rest again
      const { deliveries } = await runWide(endpoints(), { graceMs: 300 }, (bench) => bench.purge());
      expect(total(deliveries)).toBeLessThan(2 * TASKS);
    });
  });
}

/** The pass's bounds: runs per pass (the listing paginated), dispatches per run per pass. */
export function boundedPassCases(endpoints: () => Endpoints): void {
  describe('the recovery pass, bounded', () => {
    it('examines at most maxRuns runs and goes on from where it stopped', async () => {
      const bench = await createBench(endpoints(), catalog(wide), handlers(new Map()));
      const runtime = bench.runtime({ recovery: { graceMs: 0, maxRuns: 2 } });
      for (const runId of ['bounded-1', 'bounded-2', 'bounded-3']) {
        await runtime.submit({ workflow: 'wide', input: null, runId });
      }
      const first = await runtime.recover();
      expect(first).toMatchObject({ runs: 2, redispatched: 2 });
      expect(first.next).toBeDefined();
      const rest = await runtime.recover(first.next === undefined ? {} : { after: first.next });
      expect(rest).toMatchObject({ runs: 1, redispatched: 1 });
      expect(rest.next).toBeUndefined();
    });

    it('re-sends at most maxDispatchesPerRun dispatches of one run per pass', async () => {
      const bench = await createBench(endpoints(), catalog(wide), handlers(new Map()));
      const runtime = bench.runtime({ recovery: { graceMs: 0, maxDispatchesPerRun: 10 } });
      const { runId } = await runtime.submit({ workflow: 'wide', input: null });
      const root = JSON.stringify({ runId, taskId: 'root', kind: 'task', lamport: 1, readyAt: Date.now() });
      // the root's checkpoint makes the whole fan-out claimable; every message of it is then lost
      await runtime.handleMessage(root, { maxContinuations: 0 });
      await bench.purge();
      expect((await runtime.recover()).redispatched).toBe(10);
      const view = await bench.runToEnd(runtime, runId, { recoverEveryMs: 20 });
      expect(view.status).toBe('succeeded');
    });
  });
}
