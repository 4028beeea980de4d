import { describe, expect, it } from 'vitest';
import type {
  CompensationEvent,
  HandlerRegistry,
  TaskContext,
  TaskEvent,
} from '../../../src/runtime/types.ts';
import { catalog, createBench, type Endpoints, plan } from './harness.ts';

class Flaky extends Error {
  override name = 'Flaky';
}

class Broken extends Error {
  override name = 'Broken';
}

/** Retries, timeouts, the Saga, cancel and output limits. */
export function failureCases(endpoints: () => Endpoints): void {
  describe('failures', () => {
    it('retries with exponential backoff only the errors in retry_on', async () => {
      const workflow = plan(`workflow:
  name: retrying
  tasks:
    - id: flaky
      retry_policy: {max_attempts: 3, backoff: 100ms, backoff_rate: 3, jitter: none, retry_on: [Flaky]}
    - id: after
      deps: [flaky]
      retry_policy: {max_attempts: 3, backoff: 100ms, retry_on: [Flaky]}
`);
      const attempts: number[] = [];
      const handlers: HandlerRegistry = {
        flaky: (event: TaskEvent) => {
          attempts.push(event.attempt);
          if (event.attempt < 3) throw new Flaky(`attempt ${event.attempt} failed`);
          return 'ok';
        },
        after: () => {
          throw new Broken('not retryable');
        },
      };
      const bench = await createBench(endpoints(), catalog(workflow), handlers);
      const runtime = bench.runtime();
      const { runId } = await runtime.submit({ workflow: 'retrying', input: null });
      const view = await bench.runToEnd(runtime, runId);
      expect(attempts).toEqual([1, 2, 3]);
      expect(view.tasks.flaky).toMatchObject({ status: 'succeeded', attempts: 3, output: 'ok' });
      expect(view.tasks.after).toMatchObject({ status: 'failed', attempts: 1, error: { name: 'Broken' } });
      expect(view.status).toBe('failed');
      const history = (await runtime.history(runId)) ?? [];
      const delays = history.filter((e) => e.type === 'task.retrying').map((e) => e.detail?.delayMs);
      expect(delays).toEqual([100, 300]);
    });

    it('fails an attempt past its timeout with TaskTimeout and fires its signal', async () => {
      const workflow = plan('workflow:\n  name: slow\n  tasks:\n    - id: sleepy\n      timeout: 200ms\n');
      let aborted: unknown;
      const handlers: HandlerRegistry = {
        sleepy: (_event: TaskEvent, ctx: TaskContext) =>
          new Promise((resolve) => {
            ctx.signal.addEventListener('abort', () => {
              aborted = ctx.signal.reason;
              setTimeout(() => resolve('too late'), 50);
            });
          }),
      };
      const bench = await createBench(endpoints(), catalog(workflow), handlers);
      const runtime = bench.runtime();
      const { runId } = await runtime.submit({ workflow: 'slow', input: null });
      const view = await bench.runToEnd(runtime, runId);
      expect(view.tasks.sleepy).toMatchObject({ status: 'failed', error: { name: 'TaskTimeout' } });
      expect(view.tasks.sleepy?.output).toBeUndefined();
      expect(aborted).toBeInstanceOf(Error);
      expect(view).toMatchObject({ status: 'failed', rollback: 'none', error: { name: 'TaskTimeout' } });
    });

    it('rolls a chain back in reverse order', async () => {
      const workflow = plan(`workflow:
  name: chain
  tasks:
    - id: a
      compensation: undo
    - id: b
      deps: [a]
      compensation: undo
    - id: c
      deps: [b]
      compensation: undo
    - id: d
      deps: [c]
`);
      const undone: string[] = [];
      const handlers: HandlerRegistry = {
        a: () => 'A',
        b: () => 'B',
        c: () => 'C',
        d: () => {
          throw new Broken('d cannot proceed');
        },
        undo: (event: CompensationEvent) => {
          undone.push(`${event.taskId}:${String(event.output)}`);
          return null;
        },
      };
      const bench = await createBench(endpoints(), catalog(workflow), handlers);
      const runtime = bench.runtime();
      const { runId } = await runtime.submit({ workflow: 'chain', input: null });
      const view = await bench.runToEnd(runtime, runId);
      expect(undone).toEqual(['c:C', 'b:B', 'a:A']);
      expect(view).toMatchObject({ status: 'failed', rollback: 'completed', error: { name: 'Broken' } });
      expect(view.compensations.map((c) => [c.task, c.status])).toEqual([
        ['c', 'succeeded'],
        ['b', 'succeeded'],
        ['a', 'succeeded'],
      ]);
      expect(view.tasks.d?.status).toBe('failed');
      expect(view.tasks.a?.status).toBe('compensated');
    });

    it('rolls a diamond back: both branches before their common dependency, skipping what never ran', async () => {
      const workflow = plan(`workflow:
  name: diamond
  tasks:
    - id: top
      compensation: undo
    - id: left
      deps: [top]
      compensation: undo
    - id: right
      deps: [top]
    - id: right2
      deps: [right]
      compensation: undo
    - id: bottom
      deps: [left, right2]
    - id: never
      deps: [bottom]
      compensation: undo
`);
      const undone: string[] = [];
      const handlers: HandlerRegistry = {
        top: () => 1,
        left: () => 2,
        right: () => 3,
        right2: () => 4,
        bottom: () => {
          throw new Broken('bottom fails');
        },
        never: () => 5,
        undo: async (event: CompensationEvent) => {
          await new Promise((resolve) => setTimeout(resolve, 10));
          undone.push(event.taskId);
        },
      };
      const bench = await createBench(endpoints(), catalog(workflow), handlers);
      const runtime = bench.runtime();
      const { runId } = await runtime.submit({ workflow: 'diamond', input: null });
      const view = await bench.runToEnd(runtime, runId);
      expect(undone).toHaveLength(3);
      expect(undone.at(-1)).toBe('top');
      expect(new Set(undone.slice(0, 2))).toEqual(new Set(['left', 'right2']));
      expect(view.tasks.never?.status).toBe('skipped');
      expect(view.tasks.right?.status).toBe('succeeded');
      expect(view.rollback).toBe('completed');
    });

    it('reports a compensation that fails for good as an incomplete rollback and still undoes the rest', async () => {
      const workflow = plan(`workflow:
  name: stubborn
  tasks:
    - id: a
      compensation: undo_a
    - id: b
      deps: [a]
      compensation: undo_b
      retry_policy: {max_attempts: 2, backoff: 50ms}
    - id: c
      deps: [b]
`);
      const calls: string[] = [];
      const handlers: HandlerRegistry = {
        a: () => 'a',
        b: () => 'b',
        c: () => {
          throw new Broken('c fails');
        },
        undo_a: () => {
          calls.push('undo_a');
        },
        undo_b: (event: CompensationEvent) => {
          calls.push(`undo_b#${event.attempt}`);
          throw new Broken('cannot undo b');
        },
      };
      const bench = await createBench(endpoints(), catalog(workflow), handlers);
      const runtime = bench.runtime();
      const { runId } = await runtime.submit({ workflow: 'stubborn', input: null });
      const view = await bench.runToEnd(runtime, runId);
      expect(calls).toEqual(['undo_b#1', 'undo_b#2', 'undo_a']);
      expect(view).toMatchObject({ status: 'failed', rollback: 'incomplete' });
      expect(view.compensations).toEqual([
        {
          task: 'b',
          handler: 'undo_b',
          status: 'failed',
          attempts: 2,
          error: { name: 'Broken', message: 'cannot undo b' },
        },
        { task: 'a', handler: 'undo_a', status: 'succeeded', attempts: 1 },
      ]);
      expect(view.tasks.b?.status).toBe('compensation_failed');
    });

    it('cancels a run: nothing new starts, the running task finishes and is rolled back', async () => {
      const workflow = plan(`workflow:
  name: cancellable
  tasks:
    - id: slow
      compensation: undo
    - id: next
      deps: [slow]
`);
      let release: () => void = () => {};
      let started: () => void = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const running = new Promise<void>((resolve) => {
        started = resolve;
      });
      const calls: string[] = [];
      const handlers: HandlerRegistry = {
        slow: async () => {
          started();
          await gate;
          calls.push('slow');
          return 'done';
        },
        next: () => {
          calls.push('next');
        },
        undo: () => {
          calls.push('undo');
        },
      };
      const bench = await createBench(endpoints(), catalog(workflow), handlers);
      const runtime = bench.runtime();
      const { runId } = await runtime.submit({ workflow: 'cancellable', input: null });
      const driving = bench.runToEnd(runtime, runId);
      await running;
      const cancelled = await runtime.cancel(runId);
      expect(cancelled?.status).toBe('compensating');
      release();
      const view = await driving;
      expect(calls).toEqual(['slow', 'undo']);
      expect(view).toMatchObject({
        status: 'cancelled',
        rollback: 'completed',
        error: { name: 'RunCancelled' },
      });
      expect(view.tasks.next?.status).toBe('skipped');
      expect(await runtime.cancel('no-such-run')).toBeUndefined();
      expect((await runtime.cancel(runId))?.status).toBe('cancelled');
    });

    it('fails an attempt whose result is not JSON, and checkpoints null for a handler that returns nothing', async () => {
      const workflow = plan(
        'workflow:\n  name: shapes\n  tasks:\n    - id: nothing\n    - id: cyclic\n      deps: [nothing]\n',
      );
      const handlers: HandlerRegistry = {
        nothing: () => undefined,
        cyclic: () => {
          const value: Record<string, unknown> = {};
          value.self = value;
          return value;
        },
      };
      const bench = await createBench(endpoints(), catalog(workflow), handlers);
      const runtime = bench.runtime();
      const { runId } = await runtime.submit({ workflow: 'shapes', input: null });
      const view = await bench.runToEnd(runtime, runId);
      expect(view.tasks.nothing).toMatchObject({ status: 'succeeded', output: null });
      expect(view.tasks.cyclic).toMatchObject({ status: 'failed', error: { name: 'InvalidOutputError' } });
    });

    it('refuses an output too large for DynamoDB, naming the task and the size, without retrying', async () => {
      const workflow = plan(`workflow:
  name: big
  tasks:
    - id: huge
      retry_policy: {max_attempts: 3, backoff: 10ms}
`);
      const bench = await createBench(endpoints(), catalog(workflow), { huge: () => 'x'.repeat(400 * 1024) });
      const runtime = bench.runtime();
      const { runId } = await runtime.submit({ workflow: 'big', input: null });
      const view = await bench.runToEnd(runtime, runId);
      expect(view.tasks.huge).toMatchObject({
        status: 'failed',
        attempts: 1,
        error: { name: 'OutputTooLargeError' },
      });
      expect(view.tasks.huge?.error?.message).toMatch(/task 'huge' returned 400\.0 KB .* limit of 300\.0 KB/);
    });
  });
}
