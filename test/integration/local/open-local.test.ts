import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineHandler } from '../../../src/handlers/index.ts';
import { openLocal } from '../../../src/index.ts';
import { loadPlan } from '../../../src/workflow/index.ts';

const gated = loadPlan(
  'workflow:\n  name: gated\n  tasks:\n    - id: a\n    - id: b\n      deps: [a]\n',
  'gated.yaml',
);

async function stateDir(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'weft-open-local-')), 'state');
}

describe('openLocal', () => {
  it('runs a workflow file with a handlers module and waits for the result weft run prints', async () => {
    const engine = await openLocal({
      workflows: 'examples/loan_approval/workflow.yaml',
      handlers: 'examples/loan_approval/handlers.ts',
      stateDir: await stateDir(),
    });
    try {
      const input = { applicant: { id: 'A-9', name: 'Io', annual_income: 80000, requested_amount: 9000 } };
      const { runId, created } = await engine.submit('loan_approval', input, { idempotencyKey: 'order-9' });
      expect(created).toBe(true);
      const result = await engine.wait(runId, { timeoutMs: 30_000 });
      expect(result).toMatchObject({ runId, status: 'succeeded', rollback: 'none', compensations: [] });
      expect(Object.keys(result.tasks)).toEqual(['credit_check', 'fraud_detection', 'final_decision']);
      const again = await engine.submit('loan_approval', input, { idempotencyKey: 'order-9' });
      expect(again).toEqual({ runId, created: false });
      const history = await engine.history(runId);
      expect(history?.at(-1)?.type).toBe('run.succeeded');
    } finally {
      await engine.close();
    }
  });

  it('takes compiled plans and handler functions, and goes on with a run after a reopen', async () => {
    const dir = await stateDir();
    let release: () => void = () => {};
    const blocked = new Promise<void>((resolve) => {
      release = resolve;
    });
    const first = await openLocal({
      workflows: [gated],
      handlers: { a: () => 'A', b: () => blocked.then(() => 'B') },
      stateDir: dir,
    });
    const { runId } = await first.submit('gated', { n: 1 });
    await expect(first.wait(runId, { timeoutMs: 200 })).rejects.toMatchObject({ code: 'run.waitTimeout' });
    await first.close();
    release();
    const second = await openLocal({
      workflows: [gated],
      handlers: { a: () => 'A2', b: () => 'B2' },
      stateDir: dir,
    });
    try {
      const result = await second.wait(runId, { timeoutMs: 30_000 });
      // `a` was checkpointed before the close: it keeps its first output; `b` ran again after the reopen
      expect(result.tasks).toMatchObject({ a: { output: 'A', attempts: 1 }, b: { output: 'B2' } });
    } finally {
      await second.close();
    }
  });

  it('rejects handlers that do not cover the workflows before anything runs', async () => {
    await expect(
      openLocal({ workflows: [gated], handlers: { a: () => 1 }, stateDir: await stateDir() }),
    ).rejects.toMatchObject({ code: 'handlers.missing' });
  });

  it('rejects a workflows path that does not exist', async () => {
    await expect(
      openLocal({ workflows: 'no/such/dir', handlers: {}, stateDir: await stateDir() }),
    ).rejects.toMatchObject({ code: 'workflow.unreadable' });
  });
  it('runs examples/loan_batch: a child KYC, a map over the applicants, a branch; a failed item undoes the batch', async () => {
    const engine = await openLocal({
      workflows: 'examples/loan_batch/workflow.yaml',
      handlers: 'examples/loan_batch/handlers.ts',
      stateDir: await stateDir(),
    });
    try {
      const applicants = [
        { id: 'A-1', income: 72000, flaky: false },
        { id: 'A-2', income: 31000, flaky: true },
        { id: 'A-3', income: 98000, flaky: false },
      ];
      const ok = await engine.submit('loan_batch', { applicants });
      const done = await engine.wait(ok.runId, { timeoutMs: 30_000 });
      expect(done.status).toBe('succeeded');
      expect(done.tasks.score_each?.output).toEqual([
        { id: 'A-1', score: 660 },
        { id: 'A-2', score: 455 },
        { id: 'A-3', score: 790 },
      ]);
      expect(done.tasks.score_each?.map).toMatchObject({ items: 3, lanes: 3, succeeded: 3 });
      expect(done.tasks.send_offers?.output).toEqual({ offers: ['offer-A-1', 'offer-A-3'] });
      expect(done.tasks.kyc?.child?.workflow).toBe('kyc_check');

      const bad = await engine.submit('loan_batch', {
        applicants: [...applicants, { id: 'A-4', income: 1, flaky: false, fail: true }],
      });
      const failed = await engine.wait(bad.runId, { timeoutMs: 30_000 });
      expect(failed.status).toBe('failed');
      expect(failed.error).toMatchObject({ name: 'MapFailed', taskId: 'score_each' });
      // exactly the items that succeeded are undone (the flaky one may have been waiting for its retry),
      // then the child's KYC
      const history = (await engine.history(bad.runId)) ?? [];
      const scored = history
        .filter((e) => e.type === 'task.succeeded' && e.taskId?.startsWith('score_each['))
        .map((e) => e.taskId);
      const undone = failed.compensations.filter((c) => c.task.startsWith('score_each[')).map((c) => c.task);
      expect(undone.sort()).toEqual(scored.sort());
      expect(undone.length).toBeGreaterThan(0);
      expect(failed.compensations.at(-1)?.task).toBe('kyc');
    } finally {
      await engine.close();
    }
  });

  it('runs examples/loan_branches down either branch, and a sleep goes on across a reopen', async () => {
    const dir = await stateDir();
    const open = () =>
      openLocal({
        workflows: 'examples/loan_branches/workflow.yaml',
        handlers: 'examples/loan_branches/handlers.ts',
        stateDir: dir,
      });
    let engine = await open();
    try {
      const rejected = await engine.submit('loan_branches', {
        applicant: { id: 'B-7', score: 540, amount: 900 },
      });
      const result = await engine.wait(rejected.runId, { timeoutMs: 30_000 });
      expect(result.status).toBe('succeeded');
      expect(result.tasks.approve).toMatchObject({
        status: 'skipped',
        skip: { reason: 'condition', when: 'deps.credit_check.score >= 650' },
      });
      expect(result.tasks.release_funds).toMatchObject({
        status: 'skipped',
        skip: { reason: 'dependencies', skipped: ['cool_off'] },
      });
      expect(result.tasks.notify?.output).toEqual({ sent: 'rejected', deps: ['reject'] });

      const approved = await engine.submit('loan_branches', {
        applicant: { id: 'A-1', score: 712, amount: 25000 },
      });
      let sleeping: string | undefined;
      while (sleeping === undefined) {
        const now = await engine.get(approved.runId);
        if (now?.tasks.cool_off?.status === 'sleeping') sleeping = now.tasks.cool_off.wakeAt;
        else await new Promise((resolve) => setTimeout(resolve, 20));
      }
      // the process goes away while the task sleeps; the timer is the store's
      await engine.close();
      engine = await open();
      const done = await engine.wait(approved.runId, { timeoutMs: 30_000 });
      expect(done.status).toBe('succeeded');
      expect(done.tasks.cool_off?.output).toEqual({ until: sleeping });
      expect(done.tasks.reject?.status).toBe('skipped');
      expect(done.tasks.notify?.output).toEqual({ sent: 'approved', deps: ['release_funds'] });
    } finally {
      await engine.close();
    }
  });

  it('runs examples/manager_approval: the callback waits across a reopen, then a decision completes it', async () => {
    const dir = await stateDir();
    const open = () =>
      openLocal({
        workflows: 'examples/manager_approval/workflow.yaml',
        handlers: 'examples/manager_approval/handlers.ts',
        stateDir: dir,
      });
    let engine = await open();
    try {
      const input = { applicant: { id: 'A-1', amount: 25000 }, manager: 'm@example.com' };
      const tokenOf = async (runId: string): Promise<string> => {
        for (;;) {
          const now = await engine.get(runId);
          const token =
            now?.tasks.ask_manager?.status === 'waiting' ? now.tasks.ask_manager.callback?.token : undefined;
          if (token !== undefined) return token;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      };
      const approved = await engine.submit('manager_approval', input);
      const token = await tokenOf(approved.runId);
      await engine.close();
      engine = await open();
      expect(await engine.callback(token, { output: { approved: true } })).toMatchObject({
        status: 'succeeded',
      });
      expect(await engine.callback(token, { output: { approved: false } })).toMatchObject({ kind: 'closed' });
      const paid = await engine.wait(approved.runId, { timeoutMs: 30_000 });
      expect(paid.tasks.notify?.output).toEqual({ sent: 'paid' });

      const declined = await engine.submit('manager_approval', input);
      await engine.callback(await tokenOf(declined.runId), { output: { approved: false } });
      const result = await engine.wait(declined.runId, { timeoutMs: 30_000 });
      expect(result.tasks.cool_off?.status).toBe('skipped');
      expect(result.tasks.pay_out?.status).toBe('skipped');
      expect(result.tasks.notify?.output).toEqual({ sent: 'declined' });

      // an error pauses the run: a redrive asks the manager again (a fresh token), a rollback undoes
      const failed = await engine.submit('manager_approval', input);
      const first = await tokenOf(failed.runId);
      await engine.callback(first, { error: { name: 'Fraud', message: 'not this one' } });
      const pausedRun = await engine.wait(failed.runId, { timeoutMs: 30_000 });
      expect(pausedRun).toMatchObject({
        status: 'paused',
        rollback: 'none',
        error: { taskId: 'ask_manager' },
      });
      expect((await engine.redrive(failed.runId))?.status).toBe('running');
      const second = await tokenOf(failed.runId);
      expect(second).not.toBe(first);
      await engine.callback(second, { error: { name: 'Fraud', message: 'still not' } });
      expect((await engine.wait(failed.runId, { timeoutMs: 30_000 })).status).toBe('paused');
      await engine.rollback(failed.runId);
      const rolledBack = await engine.wait(failed.runId, { timeoutMs: 30_000 });
      expect(rolledBack).toMatchObject({ status: 'failed', rollback: 'completed' });
      expect(rolledBack.compensations.map((c) => c.handler)).toEqual(['release_funds']);
    } finally {
      await engine.close();
    }
  });
});

describe('openLocal with typed handlers', () => {
  const typed = loadPlan(
    [
      'workflow:',
      '  name: typed',
      '  tasks:',
      '    - id: reserve',
      '      compensation: release',
      '    - id: charge',
      '      deps: [reserve]',
      '      retry_policy: { max_attempts: 3, backoff: 10ms }',
      '',
    ].join('\n'),
    'typed.yaml',
  );

  it('fails a task whose input does not match its schema without a retry, and rolls the run back', async () => {
    let charges = 0;
    const engine = await openLocal({
      workflows: [typed],
      handlers: {
        reserve: () => ({ reservation: 'r-1' }),
        release: () => ({ released: true }),
        charge: defineHandler({ input: z.object({ amount: z.number().positive() }) })((event) => {
          charges += 1;
          return { charged: event.input.amount };
        }),
      },
      stateDir: await stateDir(),
    });
    try {
      const { runId } = await engine.submit('typed', { amount: 'ten' });
      const result = await engine.wait(runId, { timeoutMs: 30_000 });
      expect(result).toMatchObject({
        status: 'failed',
        rollback: 'completed',
        error: { taskId: 'charge', name: 'HandlerValidationError' },
        tasks: { reserve: { status: 'compensated' }, charge: { status: 'failed', attempts: 1 } },
      });
      expect(result.error?.message).toContain("task 'charge': the run's input does not match");
      expect(result.error?.message).toContain('input.amount');
      expect(result.compensations.map((c) => c.handler)).toEqual(['release']);
      expect(charges).toBe(0);
    } finally {
      await engine.close();
    }
  });
});
