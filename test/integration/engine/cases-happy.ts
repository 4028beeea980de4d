import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { noopMetrics } from '../../../src/runtime/metrics.ts';
import type { HandlerRegistry, Json, TaskEvent } from '../../../src/runtime/types.ts';
import { catalog, createBench, type Endpoints, plan } from './harness.ts';

const loanYaml = await readFile(
  new URL('../../../examples/loan_approval/workflow.yaml', import.meta.url),
  'utf8',
);
const loanHandlers = (await import(
  '../../../examples/loan_approval/handlers.ts'
)) as unknown as HandlerRegistry;
const loanInput = JSON.parse(
  await readFile(new URL('../../../examples/loan_approval/input.json', import.meta.url), 'utf8'),
) as Json;

/** Submission, fan-out, fan-in, duplicate deliveries and submissions. */
export function happyPathCases(endpoints: () => Endpoints): void {
  describe('happy path', () => {
    it('runs loan_approval to success with every output checkpointed', async () => {
      const loan = plan(loanYaml);
      const bench = await createBench(endpoints(), catalog(loan), loanHandlers);
      const runtime = bench.runtime();
      const { runId, created } = await runtime.submit({ workflow: 'loan_approval', input: loanInput });
      expect(created).toBe(true);
      const view = await bench.runToEnd(runtime, runId);
      expect(view.status).toBe('succeeded');
      expect(view.rollback).toBe('none');
      expect(Object.values(view.tasks).map((t) => t.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
      expect(view.tasks.final_decision?.output).toMatchObject({ decision: expect.any(String) });
      expect(view.tasks.credit_check?.attempts).toBe(1);
    });

    it('joins a 200-wide fan-out once, with all 200 outputs', async () => {
      const branches = Array.from({ length: 200 }, (_, i) => `b${i}`);
      const wide = plan(
        [
          'workflow:',
          '  name: wide',
          '  tasks:',
          '    - id: start',
          ...branches.flatMap((id) => [`    - id: ${id}`, '      handler: branch', '      deps: [start]']),
          '    - id: join',
          `      deps: [${branches.join(', ')}]`,
        ].join('\n'),
      );
      const joins: TaskEvent[] = [];
      const handlers: HandlerRegistry = {
        start: () => ({ n: 1 }),
        branch: (event: TaskEvent) => ({ id: event.taskId }),
        join: (event: TaskEvent) => {
          joins.push(event);
          return { count: Object.keys(event.deps).length };
        },
      };
      const bench = await createBench(endpoints(), catalog(wide), handlers);
      const runtime = bench.runtime();
      const { runId } = await runtime.submit({ workflow: 'wide', input: {} });
      const view = await bench.runToEnd(runtime, runId, { concurrency: 8, timeoutMs: 60_000 });
      expect(view.status).toBe('succeeded');
      expect(joins).toHaveLength(1);
      expect(Object.keys(joins[0]?.deps ?? {}).sort()).toEqual([...branches].sort());
      expect(joins[0]?.deps.b137).toEqual({ id: 'b137' });
      expect(view.tasks.join?.output).toEqual({ count: 200 });
    });

    it('costs a checkpoint and an edge per task, continued tasks claimed by their edge, no run read', async () => {
      const fan = plan(
        'workflow:\n  name: fan\n  tasks:\n    - id: a\n    - id: b\n      deps: [a]\n    - id: c\n      deps: [a]\n    - id: d\n      deps: [b, c]\n',
      );
      const bench = await createBench(endpoints(), catalog(fan), {
        a: () => 1,
        b: () => 2,
        c: () => 3,
        d: () => 4,
      });
      const writes: string[] = [];
      const runtime = bench.runtime({ metrics: { ...noopMetrics, casAttempt: (kind) => writes.push(kind) } });
      await runtime.submit({ workflow: 'fan', input: null, runId: 'warm-up' });
      await bench.runToEnd(runtime, 'warm-up');
      writes.length = 0;
      const calls: string[] = [];
      bench.dynamodb?.middlewareStack.add(
        (next, context) => async (args) => {
          calls.push(context.commandName ?? '?');
          return next(args);
        },
        { step: 'initialize' },
      );
      const { runId } = await runtime.submit({ workflow: 'fan', input: null });
      await bench.runToEnd(runtime, runId);
      // a is claimed from its message; b and c by the edges from a (continued in the same worker); d, a
      // join, by the edge that completes it when the worker knows the other edge is counted, else by a
      // claim after it; 4 checkpoints; the only sink's count also ends the run
      const count = (kind: string) => writes.filter((w) => w === kind).length;
      expect([count('createRun'), count('checkpoint'), count('sink')]).toEqual([1, 4, 1]);
      // every task claimed once, every edge counted once, whichever write did it
      expect(count('claim') + count('edgeClaim')).toBe(4);
      expect(count('edge') + count('edgeClaim')).toBe(4);
      expect(count('claim')).toBeLessThanOrEqual(2);
      expect(writes.length).toBe(10 + count('claim'));
      if (!bench.dynamodb) return;
      const requests = (name: string) => calls.filter((c) => c === name).length;
      // one request per store write
      expect(requests('PutItemCommand') + requests('UpdateItemCommand')).toBe(writes.length);
      // no read of the run: the messages carry its input and plan version (the driver's polls are Queries)
      expect(requests('GetItemCommand')).toBe(0);
    });

    it('claims a join whose other dependency the checkpoint continues here with the edge it held back', async () => {
      const loan = plan(loanYaml);
      const bench = await createBench(endpoints(), catalog(loan), loanHandlers);
      const writes: string[] = [];
      const runtime = bench.runtime({ metrics: { ...noopMetrics, casAttempt: (kind) => writes.push(kind) } });
      const { runId } = await runtime.submit({ workflow: 'loan_approval', input: loanInput });
      const view = await bench.runToEnd(runtime, runId);
      expect(view.status).toBe('succeeded');
      // credit_check's edge to final_decision is not written on its own: fraud_detection's edge carries it
      const count = (kind: string) => writes.filter((w) => w === kind).length;
      expect({ claim: count('claim'), edgeClaim: count('edgeClaim'), edge: count('edge') }).toEqual({
        claim: 1,
        edgeClaim: 2,
        edge: 0,
      });
      expect(writes).toHaveLength(8);
      const run = await runtime.getRun(runId);
      expect(run?.tasks.final_decision).toMatchObject({ status: 'succeeded', attempts: 1 });
      expect(view.tasks.final_decision?.output).toMatchObject({ decision: expect.any(String) });
    });

    it('sends the dependents it does not continue with their edge in the message: their claim copies it', async () => {
      const fan = plan(
        [
          'workflow:',
          '  name: fan6',
          '  tasks:',
          '    - id: a',
          ...['b1', 'b2', 'b3', 'b4', 'b5', 'b6'].flatMap((id) => [`    - id: ${id}`, '      deps: [a]']),
        ].join('\n'),
      );
      const seen = new Map<string, unknown>();
      const handlers: HandlerRegistry = {
        a: () => ({ from: 'a' }),
        ...Object.fromEntries(
          ['b1', 'b2', 'b3', 'b4', 'b5', 'b6'].map((id) => [
            id,
            (event: TaskEvent) => seen.set(id, event.deps.a),
          ]),
        ),
      };
      const bench = await createBench(endpoints(), catalog(fan), handlers);
      const writes: string[] = [];
      const runtime = bench.runtime({ metrics: { ...noopMetrics, casAttempt: (kind) => writes.push(kind) } });
      const { runId } = await runtime.submit({ workflow: 'fan6', input: null });
      const view = await bench.runToEnd(runtime, runId);
      expect(view.status).toBe('succeeded');
      // 4 continued here (claimed by their edge), 2 through the queue (claimed with the edge they carry)
      const count = (kind: string) => writes.filter((w) => w === kind).length;
      expect({ claim: count('claim'), edgeClaim: count('edgeClaim'), edge: count('edge') }).toEqual({
        claim: 1,
        edgeClaim: 6,
        edge: 0,
      });
      expect([...seen.values()]).toEqual(Array.from({ length: 6 }, () => ({ from: 'a' })));
    });

    it('writes a held edge when the join is not claimed here: its other dependency was retried through the queue', async () => {
      const diamond = plan(`workflow:
  name: held
  tasks:
    - id: a
    - id: b
      deps: [a]
      retry_policy: {max_attempts: 2, backoff: 50ms}
    - id: c
      deps: [a, b]
`);
      let bAttempts = 0;
      const seen: string[][] = [];
      const bench = await createBench(endpoints(), catalog(diamond), {
        a: () => 'from a',
        b: () => {
          bAttempts += 1;
          if (bAttempts === 1) throw new Error('b fails once');
          return 'from b';
        },
        c: (event: TaskEvent) => {
          seen.push(Object.keys(event.deps).sort());
          return event.deps;
        },
      });
      const runtime = bench.runtime();
      const { runId } = await runtime.submit({ workflow: 'held', input: null });
      const view = await bench.runToEnd(runtime, runId);
      expect(view.status).toBe('succeeded');
      expect(bAttempts).toBe(2);
      expect(seen).toEqual([['a', 'b']]);
      expect(view.tasks.c?.output).toEqual({ a: 'from a', b: 'from b' });
    });

    it('continues a chain in the worker, and near the invocation deadline hands the next task to the queue', async () => {
      const chain = plan(
        'workflow:\n  name: chain3\n  tasks:\n    - id: a\n    - id: b\n      deps: [a]\n    - id: c\n      deps: [b]\n',
      );
      const bench = await createBench(endpoints(), catalog(chain), { a: () => 1, b: () => 2, c: () => 3 });
      const runtime = bench.runtime();
      const { runId } = await runtime.submit({ workflow: 'chain3', input: null });
      const [root] = await bench.queue.receive(10, 60);
      if (!root) throw new Error('no message for the root');
      // no time left in this invocation: a checkpoints, and b goes out as a message instead of running here
      await runtime.handleMessage(root.body, { deadlineAt: Date.now() });
      await bench.queue.delete(root.handle);
      expect((await runtime.getRun(runId))?.tasks.b?.status).toBe('ready');
      const [next] = await bench.queue.receive(10, 60);
      expect(JSON.parse(next?.body ?? '{}')).toMatchObject({ taskId: 'b', kind: 'task' });
      // with time: b runs, and c after it in the same handling, with no message
      await runtime.handleMessage(next?.body ?? '');
      await bench.queue.delete(next?.handle ?? '');
      expect((await runtime.getRun(runId))?.status).toBe('succeeded');
      expect(await bench.queue.receive(10, 60)).toEqual([]);
    });

    it('runs a run on the plan version it was submitted with, after a deploy changed the workflow', async () => {
      const v1 = plan('workflow:\n  name: evolving\n  tasks:\n    - id: a\n    - id: old\n      deps: [a]\n');
      const v2 = plan('workflow:\n  name: evolving\n  tasks:\n    - id: a\n    - id: new\n      deps: [a]\n');
      const ran: string[] = [];
      const handlers: HandlerRegistry = {
        a: () => ran.push('a'),
        old: () => ran.push('old'),
        new: () => ran.push('new'),
      };
      const before = await createBench(endpoints(), catalog(v1), handlers);
      const { runId } = await before.runtime().submit({ workflow: 'evolving', input: null });
      // the same table and queue, served by a deployment that only knows v2
      const after = before.runtime({ plans: catalog(v2) });
      const view = await before.runToEnd(after, runId);
      expect(view.status).toBe('succeeded');
      expect(view.planVersion).toBe(v1.version);
      expect(ran.sort()).toEqual(['a', 'old']);
    });

    it('runs every task once when two processes get every message at the same time', async () => {
      const branches = Array.from({ length: 30 }, (_, i) => `b${i}`);
      const wide = plan(
        [
          'workflow:',
          '  name: storm',
          '  tasks:',
          '    - id: start',
          ...branches.flatMap((id) => [`    - id: ${id}`, '      handler: branch', '      deps: [start]']),
          '    - id: join',
          `      deps: [${branches.join(', ')}]`,
        ].join('\n'),
      );
      const calls = new Map<string, number>();
      const bump = (event: TaskEvent) => calls.set(event.taskId, (calls.get(event.taskId) ?? 0) + 1);
      const handlers: HandlerRegistry = { start: bump, branch: bump, join: bump };
      const bench = await createBench(endpoints(), catalog(wide), handlers);
      let conflicts = 0;
      const metrics = { ...noopMetrics, casConflict: () => (conflicts += 1) };
      const one = bench.runtime({ owner: 'one', metrics });
      const two = bench.runtime({ owner: 'two', metrics });
      const { runId } = await one.submit({ workflow: 'storm', input: null });
      const view = await bench.runToEnd(one, runId, { twin: two, concurrency: 4 });
      expect(view.status).toBe('succeeded');
      expect(calls.size).toBe(32);
      expect([...calls.values()].every((n) => n === 1)).toBe(true);
      // the loser of each race was refused and counted, not overwritten
      expect(conflicts).toBeGreaterThan(0);
    });

    it('gives a message delivered twice no second effect', async () => {
      const chain = plan('workflow:\n  name: pair\n  tasks:\n    - id: a\n    - id: b\n      deps: [a]\n');
      const calls: string[] = [];
      const handlers: HandlerRegistry = {
        a: () => {
          calls.push('a');
          return 1;
        },
        b: () => {
          calls.push('b');
          return 2;
        },
      };
      const bench = await createBench(endpoints(), catalog(chain), handlers);
      const runtime = bench.runtime();
      const { runId } = await runtime.submit({ workflow: 'pair', input: null });
      const message = JSON.stringify({ runId, taskId: 'a', kind: 'task', lamport: 1, readyAt: Date.now() });
      await runtime.handleMessage(message);
      await runtime.handleMessage(message);
      const view = await bench.runToEnd(runtime, runId);
      await runtime.handleMessage(message);
      expect(view.status).toBe('succeeded');
      expect(calls).toEqual(['a', 'b']);
    });

    it('treats the same run id or idempotency key as the same run, and a different input as a conflict', async () => {
      const single = plan('workflow:\n  name: single\n  tasks:\n    - id: only\n');
      let calls = 0;
      const bench = await createBench(endpoints(), catalog(single), { only: () => ++calls });
      const runtime = bench.runtime();
      const first = await runtime.submit({ workflow: 'single', input: { a: 1, b: 2 }, runId: 'order-42' });
      const again = await runtime.submit({ workflow: 'single', input: { b: 2, a: 1 }, runId: 'order-42' });
      expect(first).toEqual({ runId: 'order-42', created: true });
      expect(again).toEqual({ runId: 'order-42', created: false });
      await expect(
        runtime.submit({ workflow: 'single', input: { a: 2 }, runId: 'order-42' }),
      ).rejects.toMatchObject({
        code: 'run.conflict',
      });
      const keyed = await runtime.submit({ workflow: 'single', input: 7, idempotencyKey: 'evt-1' });
      const keyedAgain = await runtime.submit({ workflow: 'single', input: 7, idempotencyKey: 'evt-1' });
      expect(keyedAgain).toEqual({ runId: keyed.runId, created: false });
      await expect(
        runtime.submit({ workflow: 'single', input: 8, idempotencyKey: 'evt-1' }),
      ).rejects.toMatchObject({
        name: 'RunConflictError',
      });
      await bench.runToEnd(runtime, 'order-42');
      await bench.runToEnd(runtime, keyed.runId);
      expect(calls).toBe(2);
      await expect(runtime.submit({ workflow: 'nope', input: 1 })).rejects.toMatchObject({
        code: 'workflow.unknown',
      });
      await expect(
        runtime.submit({ workflow: 'single', input: 1, runId: 'no spaces' }),
      ).rejects.toMatchObject({
        code: 'run.invalidId',
        name: 'UserInputError',
      });
    });
  });
}
