import { describe, expect, it } from 'vitest';
import type {
  HandlerRegistry,
  Runtime,
  RunView,
  TaskContext,
  TaskEvent,
} from '../../../src/runtime/types.ts';
import type { Plan } from '../../../src/workflow/plan.ts';
import { catalog, createBench, type Endpoints, plan } from './harness.ts';

const approvals = plan(`workflow:
  name: approvals
  tasks:
    - id: apply
      compensation: unapply
    - id: approve
      deps: [apply]
      handler: ask
      callback: { timeout: 30s }
      retry_policy: { max_attempts: 2, backoff: 1ms }
    - id: payout
      deps: [approve]
`);

const waits = plan(`workflow:
  name: waits
  tasks:
    - id: apply
      compensation: unapply
    - id: signal
      deps: [apply]
      callback: { timeout: 20s, heartbeat: 600ms }
    - id: done
      deps: [signal]
`);

const lapses = plan(`workflow:
  name: lapses
  tasks:
    - id: apply
      compensation: unapply
    - id: signal
      deps: [apply]
      callback: { timeout: 500ms }
    - id: done
      deps: [signal]
`);

interface Recorder {
  readonly calls: string[];
  readonly tokens: string[];
  readonly seen: Record<string, TaskEvent>;
}

function handlers(recorder: Recorder, ask?: (ctx: TaskContext) => Promise<unknown>): HandlerRegistry {
  return {
    apply: () => {
      recorder.calls.push('apply');
      return { applied: true };
    },
    unapply: () => {
      recorder.calls.push('unapply');
    },
    ask: async (_event: TaskEvent, ctx: TaskContext) => {
      recorder.calls.push('ask');
      recorder.tokens.push(ctx.callback?.token ?? 'none');
      return ask ? ask(ctx) : 'ignored: a callback task succeeds with its completion';
    },
    payout: (event: TaskEvent) => {
      recorder.calls.push('payout');
      recorder.seen.payout = event;
      return 'paid';
    },
    done: (event: TaskEvent) => {
      recorder.calls.push('done');
      recorder.seen.done = event;
      return 'done';
    },
  };
}

const recorder = (): Recorder => ({ calls: [], tokens: [], seen: {} });

async function until(
  bench: { drive: (r: Runtime, u: () => Promise<boolean>) => Promise<number> },
  runtime: Runtime,
  runId: string,
  holds: (view: RunView) => boolean,
): Promise<RunView> {
  let view: RunView | undefined;
  await bench.drive(runtime, async () => {
    view = await runtime.getRun(runId);
    return view !== undefined && holds(view);
  });
  if (!view) throw new Error('no run');
  return view;
}

/** A run of `workflow` driven until `taskId` waits for its callback, with that wait's token. */
async function waitingRun(endpoints: () => Endpoints, workflow: Plan, taskId: string) {
  const rec = recorder();
  const bench = await createBench(endpoints(), catalog(workflow), handlers(rec));
  const runtime = bench.runtime();
  const { runId } = await runtime.submit({ workflow: workflow.name, input: null });
  const view = await until(bench, runtime, runId, (v) => v.tasks[taskId]?.status === 'waiting');
  return { rec, bench, runtime, runId, token: view.tasks[taskId]?.callback?.token ?? '' };
}

/** Callback tasks: a token per attempt, completed once from outside, retried, timed out, cancelled. */
export function callbackCases(endpoints: () => Endpoints): void {
  describe('callbacks', () => {
    it('waits without a worker until its token completes it, once; the output flows on', async () => {
      const rec = recorder();
      const bench = await createBench(endpoints(), catalog(approvals), handlers(rec));
      const runtime = bench.runtime();
      const { runId } = await runtime.submit({ workflow: 'approvals', input: { amount: 5 } });
      const waiting = await until(bench, runtime, runId, (v) => v.tasks.approve?.status === 'waiting');
      const token = rec.tokens[0] ?? '';
      expect(token).toMatch(/^wcb1\./);
      expect(waiting.tasks.approve?.callback?.token).toBe(token);
      expect(waiting.tasks.approve?.callback?.timeoutAt).toMatch(/^\d{4}-/);
      // a forged token (right address, wrong secret) and garbage are refused, and change nothing
      const forged = `${token.slice(0, token.lastIndexOf('.'))}.${'A'.repeat(32)}`;
      expect((await runtime.completeCallback(forged, { output: 1 })).kind).toBe('closed');
      expect(await runtime.completeCallback('nonsense', { output: 1 })).toEqual({ kind: 'notFound' });
      expect(await runtime.completeCallback(token, { output: { approved: 'yes' } })).toEqual({
        kind: 'accepted',
        runId,
        taskId: 'approve',
        status: 'succeeded',
      });
      // single use: the same token again is refused
      const again = await runtime.completeCallback(token, { output: { approved: 'twice' } });
      expect(again).toEqual({ kind: 'closed', runId, taskId: 'approve', status: 'succeeded' });
      const view = await bench.runToEnd(runtime, runId);
      expect(view.status).toBe('succeeded');
      expect(view.tasks.approve?.output).toEqual({ approved: 'yes' });
      expect(view.tasks.approve?.callback).toBeUndefined();
      expect(rec.seen.payout?.deps).toEqual({ approve: { approved: 'yes' } });
      expect(rec.calls).toEqual(['apply', 'ask', 'payout']);
      const types = ((await runtime.history(runId)) ?? [])
        .filter((e) => e.taskId === 'approve')
        .map((e) => e.type);
      expect(types).toEqual(['task.claimed', 'task.waiting', 'task.succeeded']);
    });

    it('takes a completion that comes while the handler still runs', async () => {
      const rec = recorder();
      let runtime: Runtime | undefined;
      const bench = await createBench(
        endpoints(),
        catalog(approvals),
        handlers(rec, async (ctx) => {
          const answer = await runtime?.completeCallback(ctx.callback?.token ?? '', { output: 'at once' });
          return answer?.kind;
        }),
      );
      runtime = bench.runtime();
      const { runId } = await runtime.submit({ workflow: 'approvals', input: null });
      const view = await bench.runToEnd(runtime, runId);
      expect(view.status).toBe('succeeded');
      expect(view.tasks.approve?.output).toBe('at once');
      expect(view.tasks.approve?.attempts).toBe(1);
      expect(rec.calls).toEqual(['apply', 'ask', 'payout']);
    });

    it('retries an error completion with a fresh attempt and token; the old token is refused', async () => {
      const rec = recorder();
      const bench = await createBench(endpoints(), catalog(approvals), handlers(rec));
      const runtime = bench.runtime();
      const { runId } = await runtime.submit({ workflow: 'approvals', input: null });
      await until(bench, runtime, runId, (v) => v.tasks.approve?.status === 'waiting');
      const first = rec.tokens[0] ?? '';
      const error = { name: 'Rejected', message: 'the approver said no' };
      expect(await runtime.completeCallback(first, { error })).toMatchObject({ status: 'retrying' });
      await until(
        bench,
        runtime,
        runId,
        (v) => v.tasks.approve?.status === 'waiting' && rec.tokens.length === 2,
      );
      const second = rec.tokens[1] ?? '';
      expect(second).not.toBe(first);
      expect((await runtime.completeCallback(first, { output: 'stale' })).kind).toBe('closed');
      // the second attempt fails too: the policy's 2 attempts are spent, the run rolls back
      expect(await runtime.completeCallback(second, { error })).toMatchObject({ status: 'failed' });
      const view = await bench.runToEnd(runtime, runId);
      expect(view.status).toBe('failed');
      expect(view.tasks.approve).toMatchObject({ status: 'failed', attempts: 2, error });
      expect(view.tasks.payout?.status).toBe('skipped');
      expect(rec.calls).toEqual(['apply', 'ask', 'ask', 'unapply']);
    });

    it('lapses a wait past its timeout: the task fails with CallbackTimeout and the Saga runs', async () => {
      const { rec, bench, runtime, runId, token } = await waitingRun(endpoints, lapses, 'signal');
      const view = await bench.runToEnd(runtime, runId, { timeoutMs: 20_000 });
      expect(view.status).toBe('failed');
      expect(view.tasks.signal?.error?.name).toBe('CallbackTimeout');
      expect(view.tasks.signal?.error?.message).toContain('within its timeout of 500 ms');
      expect(rec.calls).toEqual(['apply', 'unapply']);
      expect((await runtime.completeCallback(token, { output: 'late' })).kind).toBe('closed');
    });

    it('keeps a wait alive with heartbeats, lapses it without them', async () => {
      const { bench, runtime, runId, token } = await waitingRun(endpoints, waits, 'signal');
      // five beats 300 ms apart outlive the 600 ms interval twice over
      for (let beat = 0; beat < 5; beat += 1) {
        expect(await runtime.heartbeatCallback(token)).toMatchObject({ kind: 'accepted', status: 'waiting' });
        const started = Date.now();
        await bench.drive(runtime, async () => Date.now() - started > 300);
      }
      expect((await runtime.getRun(runId))?.tasks.signal?.status).toBe('waiting');
      expect(await runtime.completeCallback(token, { output: 'beat' })).toMatchObject({
        status: 'succeeded',
      });
      expect((await bench.runToEnd(runtime, runId)).status).toBe('succeeded');

      const silent = await runtime.submit({ workflow: 'waits', input: 'silent' });
      const view = await bench.runToEnd(runtime, silent.runId, { timeoutMs: 20_000 });
      expect(view.status).toBe('failed');
      expect(view.tasks.signal?.error?.message).toContain('no callback heartbeat within 600 ms');
    });

    it('ends a wait when the run is cancelled, and refuses its token from then on', async () => {
      const { rec, bench, runtime, runId, token } = await waitingRun(endpoints, waits, 'signal');
      await runtime.cancel(runId);
      const view = await bench.runToEnd(runtime, runId);
      expect(view.status).toBe('cancelled');
      expect(view.tasks.signal?.status).toBe('cancelled');
      expect(rec.calls).toEqual(['apply', 'unapply']);
      expect(await runtime.completeCallback(token, { output: 1 })).toMatchObject({
        kind: 'closed',
        status: 'cancelled',
      });
    });

    it('survives a restart while waiting: the completion in the new process moves the run on', async () => {
      const rec = recorder();
      const bench = await createBench(endpoints(), catalog(approvals), handlers(rec));
      const first = bench.runtime({ owner: 'first' });
      const { runId } = await first.submit({ workflow: 'approvals', input: null });
      await until(bench, first, runId, (v) => v.tasks.approve?.status === 'waiting');
      await bench.purge();
      const second = bench.runtime({ owner: 'second', isOwnerAlive: (owner) => owner !== 'first' });
      await second.recover();
      const token = rec.tokens[0] ?? '';
      expect(await second.completeCallback(token, { output: 'later' })).toMatchObject({
        status: 'succeeded',
      });
      const view = await bench.runToEnd(second, runId);
      expect(view.status).toBe('succeeded');
      expect(rec.calls).toEqual(['apply', 'ask', 'payout']);
    });
  });
}
