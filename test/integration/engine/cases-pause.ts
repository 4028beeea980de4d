import { describe, expect, it } from 'vitest';
import type { HandlerRegistry, Json, Runtime, RunView, TaskEvent } from '../../../src/runtime/types.ts';
import { type Bench, catalog, createBench, type Endpoints, plan } from './harness.ts';

const paused = plan(`workflow:
  name: paused
  on_failure: pause
  tasks:
    - id: reserve
      compensation: release
    - id: score
      deps: [reserve]
    - id: slow
      deps: [reserve]
    - id: decide
      deps: [score, slow]
`);

interface Calls {
  readonly calls: string[];
  readonly seen: Record<string, TaskEvent>;
}

function handlers(rec: Calls, slowMs = 0): HandlerRegistry {
  const log = (name: string) => (event: TaskEvent) => {
    rec.calls.push(name);
    rec.seen[name] = event;
    return { task: name };
  };
  return {
    reserve: log('reserve'),
    release: () => {
      rec.calls.push('release');
    },
    score: (event: TaskEvent) => {
      rec.calls.push('score');
      if ((event.input as { fixed?: boolean } | null)?.fixed !== true) throw new Error('the bureau is down');
      return { score: 700 };
    },
    slow: async () => {
      rec.calls.push('slow');
      await new Promise((resolve) => setTimeout(resolve, slowMs));
      return { slow: true };
    },
    decide: log('decide'),
  };
}

async function untilStatus(bench: Bench, runtime: Runtime, runId: string, status: string): Promise<RunView> {
  let view: RunView | undefined;
  await bench.drive(runtime, async () => {
    view = await runtime.getRun(runId);
    return view?.status === status;
  });
  if (!view) throw new Error('no run');
  return view;
}

async function pausedRun(endpoints: () => Endpoints, slowMs = 0) {
  const rec: Calls = { calls: [], seen: {} };
  const bench = await createBench(endpoints(), catalog(paused), handlers(rec, slowMs));
  const runtime = bench.runtime();
  const { runId } = await runtime.submit({ workflow: 'paused', input: { fixed: false, n: 1 } as Json });
  const view = await untilStatus(bench, runtime, runId, 'paused');
  return { rec, bench, runtime, runId, view };
}

/** `on_failure: pause`: a failure pauses the run; a redrive goes on (new input, or from a task); a rollback undoes. */
export function pauseCases(endpoints: () => Endpoints): void {
  describe('pause, redrive and rollback', () => {
    it('pauses on a failure with nothing compensated, then a redrive with a fixed input finishes the run', async () => {
      const { rec, bench, runtime, runId, view } = await pausedRun(endpoints, 300);
      expect(view.error).toMatchObject({ name: 'Error', message: 'the bureau is down', taskId: 'score' });
      expect(view.rollback).toBe('none');
      expect(view.tasks.score?.status).toBe('failed');
      // the branch running when score failed ends, and what it made ready waits for the redrive
      const settled = await untilStatus(bench, runtime, runId, 'paused');
      await bench.drive(
        runtime,
        async () => (await runtime.getRun(runId))?.tasks.slow?.status === 'succeeded',
      );
      expect(settled.tasks.decide?.status).not.toBe('running');
      expect(rec.calls).not.toContain('release');
      expect(rec.calls).not.toContain('decide');

      expect(await runtime.redrive(runId, { input: { fixed: true, n: 1 }, by: 'ops@example' })).toEqual({
        kind: 'done',
      });
      const done = await bench.runToEnd(runtime, runId);
      expect(done.status).toBe('succeeded');
      expect(done.tasks.score).toMatchObject({ status: 'succeeded', output: { score: 700 } });
      expect(rec.seen.decide?.input).toEqual({ fixed: true, n: 1 });
      // every other checkpoint is kept: reserve and slow ran once
      expect(rec.calls.filter((c) => c === 'reserve' || c === 'slow')).toEqual(['reserve', 'slow']);
      const redriven = ((await runtime.history(runId)) ?? []).find((e) => e.type === 'run.redriven');
      expect(redriven?.detail).toEqual({
        redrive: 1,
        by: 'ops@example',
        reset: ['score'],
        input: 'replaced',
        changedKeys: ['fixed'],
      });
    });

    it('redrives from a task: it and everything after it run again, the rest is kept', async () => {
      const { rec, bench, runtime, runId } = await pausedRun(endpoints);
      await bench.drive(
        runtime,
        async () => (await runtime.getRun(runId))?.tasks.slow?.status === 'succeeded',
      );
      // the input is still broken: the redrive pauses again, then goes on with a fixed one from reserve
      await runtime.redrive(runId, {});
      await untilStatus(bench, runtime, runId, 'paused');
      expect(await runtime.redrive(runId, { from: 'reserve', input: { fixed: true, n: 1 } })).toEqual({
        kind: 'done',
      });
      const done = await bench.runToEnd(runtime, runId);
      expect(done.status).toBe('succeeded');
      expect(rec.calls.filter((c) => c === 'reserve')).toHaveLength(2);
      expect(rec.calls.filter((c) => c === 'slow')).toHaveLength(2);
      expect(rec.calls.filter((c) => c === 'score')).toHaveLength(3);
      expect(done.tasks.decide?.status).toBe('succeeded');
    });

    it('refuses a redrive of a run that is not paused, from an unknown task, of an unknown run', async () => {
      const { runtime, runId } = await pausedRun(endpoints);
      expect(await runtime.redrive(runId, { from: 'nope' })).toMatchObject({
        kind: 'refused',
        code: 'redrive.unknownTask',
      });
      expect(await runtime.redrive('no-such-run', {})).toEqual({ kind: 'notFound' });
      await runtime.rollback(runId);
      expect(await runtime.redrive(runId, {})).toMatchObject({ kind: 'refused', code: 'run.notPaused' });
    });

    it('rolls a paused run back on request: the Saga compensates what succeeded', async () => {
      const { rec, bench, runtime, runId } = await pausedRun(endpoints);
      expect(await runtime.rollback(runId)).toEqual({ kind: 'done' });
      const view = await bench.runToEnd(runtime, runId);
      expect(view).toMatchObject({ status: 'failed', rollback: 'completed' });
      expect(view.error?.taskId).toBe('score');
      expect(rec.calls).toContain('release');
      expect(view.tasks.decide?.status).toBe('skipped');
    });

    it('cancels a paused run like a running one', async () => {
      const { bench, runtime, runId } = await pausedRun(endpoints);
      await runtime.cancel(runId);
      const view = await bench.runToEnd(runtime, runId);
      expect(view).toMatchObject({ status: 'cancelled', rollback: 'completed' });
    });

    it('finishes a redrive whose process died after recording it: the recovery pass resets and releases', async () => {
      const { rec, bench, runtime, runId } = await pausedRun(endpoints);
      await bench.drive(
        runtime,
        async () => (await runtime.getRun(runId))?.tasks.slow?.status === 'succeeded',
      );
      const doomed = bench.runtime({
        owner: 'doomed',
        faults: (point) => {
          if (point === 'afterRedrive') throw new Error('the process died');
        },
      });
      await expect(doomed.redrive(runId, { input: { fixed: true } })).rejects.toThrow('the process died');
      await bench.purge();
      const survivor = bench.runtime({ owner: 'survivor' });
      await survivor.recover();
      const done = await bench.runToEnd(survivor, runId);
      expect(done.status).toBe('succeeded');
      expect(rec.calls.filter((c) => c === 'reserve')).toHaveLength(1);
    });
  });
}
