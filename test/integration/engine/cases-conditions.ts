import { describe, expect, it } from 'vitest';
import type { FaultPoint } from '../../../src/runtime/index.ts';
import type { HandlerRegistry, TaskEvent } from '../../../src/runtime/types.ts';
import { catalog, createBench, type Endpoints, pastGrace, plan } from './harness.ts';

const branches = plan(`workflow:
  name: branches
  tasks:
    - id: score
      compensation: unscore
    - id: approve
      deps: [score]
      when: deps.score.value >= 600
      compensation: unapprove
    - id: reject
      deps: [score]
      when: deps.score.value < 600
    - id: archive
      deps: [reject]
    - id: notify
      deps: [approve, reject]
    - id: audit
      deps: [notify]
      when: input.fail_audit = true and $exists(deps.notify)
      retry_policy: { max_attempts: 3, backoff: 1ms }
    - id: broken
      deps: [notify]
      when: input.broken + 1 > 0
      retry_policy: { max_attempts: 3, backoff: 1ms }
`);

function recording(calls: string[], seen: Record<string, TaskEvent>): HandlerRegistry {
  const task = (name: string, output: unknown) => (event: TaskEvent) => {
    calls.push(name);
    seen[name] = event;
    return output;
  };
  return {
    score: (event: TaskEvent) => {
      calls.push('score');
      return { value: (event.input as { score: number }).score };
    },
    approve: task('approve', { approved: true }),
    reject: task('reject', { approved: false }),
    archive: task('archive', 'archived'),
    notify: task('notify', 'sent'),
    audit: () => {
      calls.push('audit');
      throw new Error('audit fails');
    },
    broken: task('broken', null),
    unscore: () => {
      calls.push('unscore');
    },
    unapprove: () => {
      calls.push('unapprove');
    },
  };
}

/** `when:` conditions and skips: branches, a skip passed along, a join after either branch, crashes. */
export function conditionCases(endpoints: () => Endpoints): void {
  describe('conditions (when)', () => {
    it('runs the branch whose condition holds, skips the other and what depends only on it', async () => {
      const calls: string[] = [];
      const seen: Record<string, TaskEvent> = {};
      const bench = await createBench(endpoints(), catalog(branches), recording(calls, seen));
      const runtime = bench.runtime();
      const { runId } = await runtime.submit({
        workflow: 'branches',
        input: { score: 700, fail_audit: false, broken: 1 },
      });
      const view = await bench.runToEnd(runtime, runId);
      expect(view.status).toBe('succeeded');
      const statuses = Object.fromEntries(Object.entries(view.tasks).map(([id, t]) => [id, t.status]));
      expect(statuses).toEqual({
        score: 'succeeded',
        approve: 'succeeded',
        reject: 'skipped',
        archive: 'skipped',
        notify: 'succeeded',
        audit: 'skipped',
        broken: 'succeeded',
      });
      expect(calls.sort()).toEqual(['approve', 'broken', 'notify', 'score']);
      // a skipped dependency is absent from deps
      expect(seen.notify?.deps).toEqual({ approve: { approved: true } });
      const history = (await runtime.history(runId)) ?? [];
      const skips = history.filter((e) => e.type === 'task.skipped');
      expect(skips.map((e) => [e.taskId, e.detail])).toEqual(
        expect.arrayContaining([
          ['reject', { reason: 'condition', when: 'deps.score.value < 600' }],
          ['archive', { reason: 'dependencies', skipped: ['reject'] }],
          ['audit', { reason: 'condition', when: 'input.fail_audit = true and $exists(deps.notify)' }],
        ]),
      );
      expect(view.tasks.reject?.error).toBeUndefined();
      expect(view.tasks.reject?.skip).toEqual({ reason: 'condition', when: 'deps.score.value < 600' });
      expect(view.tasks.archive?.skip).toEqual({ reason: 'dependencies', skipped: ['reject'] });
    });

    it('takes the other branch on other input', async () => {
      const calls: string[] = [];
      const seen: Record<string, TaskEvent> = {};
      const bench = await createBench(endpoints(), catalog(branches), recording(calls, seen));
      const runtime = bench.runtime();
      const { runId } = await runtime.submit({ workflow: 'branches', input: { score: 400, broken: 1 } });
      const view = await bench.runToEnd(runtime, runId);
      expect(view.status).toBe('succeeded');
      expect(view.tasks.approve?.status).toBe('skipped');
      expect(view.tasks.reject?.status).toBe('succeeded');
      expect(view.tasks.archive?.status).toBe('succeeded');
      expect(seen.notify?.deps).toEqual({ reject: { approved: false } });
    });

    it('compensates exactly the tasks that ran when a later task fails, never a skipped one', async () => {
      const calls: string[] = [];
      const bench = await createBench(endpoints(), catalog(branches), recording(calls, {}));
      const runtime = bench.runtime();
      const { runId } = await runtime.submit({
        workflow: 'branches',
        input: { score: 400, fail_audit: true, broken: 1 },
      });
      const view = await bench.runToEnd(runtime, runId);
      expect(view.status).toBe('failed');
      expect(view.tasks.audit?.status).toBe('failed');
      expect(view.tasks.approve?.status).toBe('skipped');
      // approve was skipped: its compensation must not run; score's must
      expect(calls.filter((c) => c.startsWith('un'))).toEqual(['unscore']);
      expect(view.compensations.map((c) => c.task)).toEqual(['score']);
    });

    it('fails a task whose condition cannot be evaluated, without retrying it', async () => {
      const calls: string[] = [];
      const bench = await createBench(endpoints(), catalog(branches), recording(calls, {}));
      const runtime = bench.runtime();
      const { runId } = await runtime.submit({
        workflow: 'branches',
        input: { score: 700, broken: 'not a number' },
      });
      const view = await bench.runToEnd(runtime, runId);
      expect(view.status).toBe('failed');
      expect(view.tasks.broken?.status).toBe('failed');
      expect(view.tasks.broken?.attempts).toBe(1);
      expect(view.tasks.broken?.error?.name).toBe('ExpressionError');
      expect(view.tasks.broken?.error?.message).toContain("'input.broken + 1 > 0' failed");
      expect(calls).not.toContain('broken');
    });

    for (const point of ['afterSkip', 'afterClaim'] as FaultPoint[]) {
      it(`passes a skip along after a crash ${point} on the skipped task`, async () => {
        const calls: string[] = [];
        const bench = await createBench(endpoints(), catalog(branches), recording(calls, {}));
        let crashed = false;
        const doomed = bench.runtime({
          owner: 'doomed',
          faults: (at, site) => {
            if (!crashed && at === point && site.taskId === 'reject') {
              crashed = true;
              throw new Error(`simulated crash at ${point}`);
            }
          },
        });
        const { runId } = await doomed.submit({ workflow: 'branches', input: { score: 700, broken: 1 } });
        await bench.drive(doomed, async () => crashed);
        await bench.purge();
        await pastGrace();
        const survivor = bench.runtime({ owner: 'survivor', isOwnerAlive: (owner) => owner !== 'doomed' });
        await survivor.recover();
        const view = await bench.runToEnd(survivor, runId);
        expect(view.status).toBe('succeeded');
        expect(view.tasks.reject?.status).toBe('skipped');
        expect(view.tasks.archive?.status).toBe('skipped');
        expect(view.tasks.notify?.status).toBe('succeeded');
        expect(calls.filter((c) => c === 'notify')).toHaveLength(1);
      });
    }
  });
}

const sleepy = plan(`workflow:
  name: sleepy
  tasks:
    - id: start
    - id: cool_off
      deps: [start]
      sleep: 1500ms
    - id: until_then
      deps: [start]
      sleep_until: "\${deps.start.at}"
    - id: done
      deps: [cool_off, until_then]
`);

/** `sleep:` and `sleep_until:`: durable timers that hold no worker and survive a restart. */
export function sleepCases(endpoints: () => Endpoints): void {
  describe('sleeps', () => {
    it('sleeps without a worker, shows the wake time, and survives the loss of every message', async () => {
      const calls: string[] = [];
      let doneAt = 0;
      const handlers: HandlerRegistry = {
        start: () => {
          calls.push('start');
          return { at: new Date(Date.now() + 300).toISOString() };
        },
        done: (event: TaskEvent) => {
          calls.push('done');
          doneAt = Date.now();
          return event.deps;
        },
      };
      const bench = await createBench(endpoints(), catalog(sleepy), handlers);
      const first = bench.runtime({ owner: 'first' });
      const { runId } = await first.submit({ workflow: 'sleepy', input: null });
      const submittedAt = Date.now();
      let view = await first.getRun(runId);
      await bench.drive(first, async () => {
        view = await first.getRun(runId);
        return view?.tasks.cool_off?.status === 'sleeping';
      });
      expect(view?.tasks.cool_off?.wakeAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
      // the process restarts: the delayed messages are gone, the store's timers are not
      await bench.purge();
      const second = bench.runtime({ owner: 'second', isOwnerAlive: (owner) => owner !== 'first' });
      await second.recover();
      // a timer's dispatch is re-sent once its wake time is past the grace: by a later pass
      view = await bench.runToEnd(second, runId, { timeoutMs: 20_000, recoverEveryMs: 100 });
      expect(view.status).toBe('succeeded');
      expect(calls).toEqual(['start', 'done']);
      const output = view.tasks.done?.output as Record<string, { until: string }>;
      expect(Object.keys(output).sort()).toEqual(['cool_off', 'until_then']);
      const wokeAt = Date.parse(output.cool_off?.until ?? '');
      expect(wokeAt).toBeGreaterThan(submittedAt + 1000);
      // nothing after a sleep starts before its wake time
      expect(doneAt).toBeGreaterThanOrEqual(wokeAt);
      expect(view.tasks.cool_off?.attempts).toBe(2);
      const history = (await second.history(runId)) ?? [];
      expect(
        history
          .filter((e) => e.type === 'task.sleeping')
          .map((e) => e.taskId)
          .sort(),
      ).toEqual(['cool_off', 'until_then']);
    });

    it('fails a sleep_until whose expression gives no ISO time, without retrying it', async () => {
      const bench = await createBench(endpoints(), catalog(sleepy), {
        start: () => ({ at: 'tomorrow' }),
        done: () => null,
      });
      const runtime = bench.runtime();
      const { runId } = await runtime.submit({ workflow: 'sleepy', input: null });
      const view = await bench.runToEnd(runtime, runId, { timeoutMs: 20_000 });
      expect(view.status).toBe('failed');
      expect(view.tasks.until_then?.error?.name).toBe('ExpressionError');
      expect(view.tasks.until_then?.error?.message).toContain("gave 'tomorrow'");
    });
  });
}
