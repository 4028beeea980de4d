import { describe, expect, it } from 'vitest';
import type { HandlerRegistry, Runtime, RunView } from '../../../src/runtime/types.ts';
import { type Bench, catalog, createBench, type Endpoints, plan } from './harness.ts';

const bounded = (timeout: string) =>
  plan(`workflow:
  name: bounded
  timeout: ${timeout}
  tasks:
    - id: a
      compensation: undo
    - id: b
      deps: [a]
`);

/** Handlers whose `b` blocks until the test opens the gate; `calls` counts each handler's runs. */
function blocking(calls: Map<string, number>) {
  let open: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const bump = (name: string) => calls.set(name, (calls.get(name) ?? 0) + 1);
  const handlers: HandlerRegistry = {
    a: () => bump('a'),
    b: async () => {
      bump('b');
      await gate;
      return 'late';
    },
    undo: () => bump('undo'),
  };
  return { handlers, open: () => open() };
}

/**
 * Drives the run until it is stopping, while `b` still blocks; then opens the gate (so the worker loop can
 * end) and returns the run as it was seen stopping.
 */
async function stoppedWhileBlocked(bench: Bench, runtime: Runtime, runId: string, open: () => void) {
  let seen: RunView | undefined;
  await bench.drive(runtime, async () => {
    const view = await runtime.getRun(runId);
    if (view?.status !== 'compensating') return false;
    seen = view;
    open();
    return true;
  });
  if (!seen) throw new Error('the run was never seen stopping');
  return seen;
}

/** The workflow-level timeout, enforced by the run's deadline message (the recovery pass is the backstop). */
export function deadlineCases(endpoints: () => Endpoints): void {
  describe('workflow timeout', () => {
    it('stops a run at its deadline without a recovery pass and rolls it back', async () => {
      const calls = new Map<string, number>();
      const { handlers, open } = blocking(calls);
      const bench = await createBench(endpoints(), catalog(bounded('1s')), handlers);
      const runtime = bench.runtime();
      const { runId } = await runtime.submit({ workflow: 'bounded', input: null });
      // no recover() here: only the worker loop, which receives the deadline message after ~1 s
      const stopped = await stoppedWhileBlocked(bench, runtime, runId, open);
      expect(stopped.error).toMatchObject({ name: 'WorkflowTimeout' });
      expect(stopped.error?.message).toContain('1000 ms');
      expect(stopped.tasks.b?.status).toBe('running');
      const view = await bench.runToEnd(runtime, runId);
      expect(view).toMatchObject({
        status: 'failed',
        rollback: 'completed',
        error: { name: 'WorkflowTimeout' },
      });
      expect(Object.fromEntries(calls)).toEqual({ a: 1, b: 1, undo: 1 });
      const history = (await runtime.history(runId)) ?? [];
      const failing = history.filter((e) => e.type === 'run.failing');
      expect(failing).toHaveLength(1);
      expect(failing[0]?.detail).toMatchObject({ name: 'WorkflowTimeout' });
      // the stop comes after everything the run had recorded before it
      const claimedB = history.find((e) => e.type === 'task.claimed' && e.taskId === 'b');
      expect(failing[0]?.lamport ?? 0).toBeGreaterThan(claimedB?.lamport ?? Number.POSITIVE_INFINITY);
    });

    it('leaves a finished run alone when its deadline arrives, once or twice', async () => {
      const calls = new Map<string, number>();
      const { handlers, open } = blocking(calls);
      open();
      const bench = await createBench(endpoints(), catalog(bounded('1h')), handlers);
      const runtime = bench.runtime();
      const { runId } = await runtime.submit({ workflow: 'bounded', input: null });
      const before = await bench.runToEnd(runtime, runId);
      expect(before.status).toBe('succeeded');
      const history = await runtime.history(runId);
      const deadline = JSON.stringify({ runId, kind: 'deadline', deadlineAt: Date.now() - 1 });
      await runtime.handleMessage(deadline);
      await runtime.handleMessage(deadline);
      expect(await runtime.getRun(runId)).toEqual(before);
      expect(await runtime.history(runId)).toEqual(history);
      expect(calls.get('undo')).toBeUndefined();
    });

    it('sends a deadline received early again with the rest of its delay', async () => {
      const calls = new Map<string, number>();
      const { handlers, open } = blocking(calls);
      const bench = await createBench(endpoints(), catalog(bounded('1h')), handlers);
      const runtime = bench.runtime();
      const { runId } = await runtime.submit({ workflow: 'bounded', input: null });
      // the real deadline is an hour away; this one is due in 1.5 s and arrives early
      const early = JSON.stringify({ runId, kind: 'deadline', deadlineAt: Date.now() + 1_500 });
      await runtime.handleMessage(early);
      expect((await runtime.getRun(runId))?.status).toBe('running');
      const stopped = await stoppedWhileBlocked(bench, runtime, runId, open);
      expect(stopped.error).toMatchObject({ name: 'WorkflowTimeout' });
      const view = await bench.runToEnd(runtime, runId);
      expect(view).toMatchObject({ status: 'failed', rollback: 'completed' });
    });
  });
}
