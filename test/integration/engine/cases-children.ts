import { describe, expect, it } from 'vitest';
import type { FaultPoint } from '../../../src/runtime/deps.ts';
import type { HandlerRegistry, Runtime, RunView, TaskEvent } from '../../../src/runtime/types.ts';
import { type Bench, catalog, createBench, type Endpoints, pastGrace, plan } from './harness.ts';

const parent = plan(`workflow:
  name: onboarding
  tasks:
    - id: load
      compensation: unload
    - id: kyc
      deps: [load]
      workflow: kyc_check
      input: "{ 'user': deps.load.user }"
      retry_policy: { max_attempts: 2, backoff: 1ms }
    - id: decide
      deps: [kyc]
`);

const child = plan(`workflow:
  name: kyc_check
  tasks:
    - id: verify
      compensation: unverify
    - id: score
      deps: [verify]
`);

interface Recorder {
  readonly calls: string[];
  readonly events: Record<string, TaskEvent[]>;
}

interface Behaviour {
  /** `score` fails on these attempts of the child (1-based across children). */
  readonly failScore?: (nth: number) => boolean;
  readonly failDecide?: boolean;
  /** `score` waits for this before it returns (to cancel the parent meanwhile). */
  readonly holdScore?: Promise<void>;
}

function handlers(rec: Recorder, behaviour: Behaviour = {}): HandlerRegistry {
  const seen = (name: string, event: TaskEvent) => {
    rec.calls.push(name);
    rec.events[name] = [...(rec.events[name] ?? []), event];
  };
  return {
    load: (event: TaskEvent) => {
      seen('load', event);
      return { user: 'u-7' };
    },
    unload: (event: TaskEvent) => seen('unload', event),
    verify: (event: TaskEvent) => {
      seen('verify', event);
      return { verified: (event.input as { user: string }).user };
    },
    unverify: (event: TaskEvent) => seen('unverify', event),
    score: async (event: TaskEvent) => {
      seen('score', event);
      await behaviour.holdScore;
      if (behaviour.failScore?.(rec.events.score?.length ?? 0)) throw new Error('bureau down');
      return { score: 710 };
    },
    decide: (event: TaskEvent) => {
      seen('decide', event);
      if (behaviour.failDecide) throw new Error('declined');
      return { approved: true };
    },
  };
}

const recorder = (): Recorder => ({ calls: [], events: {} });

async function bench(endpoints: () => Endpoints, rec: Recorder, behaviour?: Behaviour): Promise<Bench> {
  return createBench(endpoints(), catalog(parent, child), handlers(rec, behaviour));
}

/** Drives until both the parent and its (latest) child are final; returns both views. */
async function settle(
  b: Bench,
  runtime: Runtime,
  runId: string,
  options: { readonly recoverEveryMs?: number } = {},
): Promise<{ parent: RunView; child: RunView }> {
  let views: { parent: RunView; child: RunView } | undefined;
  await b.drive(
    runtime,
    async () => {
      const p = await runtime.getRun(runId);
      const childId = p?.tasks.kyc?.child?.runId;
      const c = childId === undefined ? undefined : await runtime.getRun(childId);
      const final = (v: RunView | undefined) =>
        v !== undefined &&
        ['succeeded', 'failed', 'cancelled'].includes(v.status) &&
        v.rollback !== 'running';
      if (p && c && final(p) && final(c)) views = { parent: p, child: c };
      return views !== undefined;
    },
    options,
  );
  if (!views) {
    const p = await runtime.getRun(runId);
    const childId = p?.tasks.kyc?.child?.runId ?? `${runId}~kyc~1`;
    const c = await runtime.getRun(childId);
    throw new Error(`not settled: ${JSON.stringify({ p, c })}`);
  }
  return views;
}

/** Child workflows: started idempotently, answered once, undone with the parent, recovered after a crash. */
export function childCases(endpoints: () => Endpoints): void {
  describe('child workflows', () => {
    it('runs the child with the evaluated input and takes its sinks’ outputs; both views link', async () => {
      const rec = recorder();
      const b = await bench(endpoints, rec);
      const runtime = b.runtime();
      const { runId } = await runtime.submit({ workflow: 'onboarding', input: { id: 7 }, runId: 'ob-1' });
      const { parent: p, child: c } = await settle(b, runtime, runId);
      expect(p.status).toBe('succeeded');
      expect(p.tasks.kyc?.child).toEqual({ runId: 'ob-1~kyc~1', workflow: 'kyc_check' });
      expect(p.tasks.kyc?.output).toEqual({ score: { score: 710 } });
      expect(p.tasks.kyc?.callback).toBeUndefined();
      expect(c.input).toEqual({ user: 'u-7' });
      expect(c.parent).toEqual({ runId: 'ob-1', taskId: 'kyc' });
      expect(c.status).toBe('succeeded');
      expect(rec.events.decide?.[0]?.deps).toEqual({ kyc: { score: { score: 710 } } });
      expect(rec.calls.filter((call) => call === 'verify')).toHaveLength(1);
    });

    it('a failed child fails the task; the retry starts a new child; each child rolled back itself', async () => {
      const rec = recorder();
      const b = await bench(endpoints, rec, { failScore: () => true });
      const runtime = b.runtime();
      const { runId } = await runtime.submit({ workflow: 'onboarding', input: null, runId: 'ob-2' });
      const { parent: p, child: c } = await settle(b, runtime, runId);
      expect(p.status).toBe('failed');
      expect(p.error).toMatchObject({ name: 'ChildRunFailed', taskId: 'kyc' });
      expect(p.error?.message).toContain("ob-2~kyc~2 (workflow 'kyc_check') failed at task 'score'");
      expect(p.tasks.kyc?.attempts).toBe(2);
      expect(c.runId).toBe('ob-2~kyc~2');
      expect(c.status).toBe('failed');
      const first = await runtime.getRun('ob-2~kyc~1');
      expect(first?.status).toBe('failed');
      // each child undid its own verify; the parent undid load
      expect(rec.calls.filter((call) => call === 'unverify')).toHaveLength(2);
      expect(rec.calls.filter((call) => call === 'unload')).toHaveLength(1);
    });

    it("the parent's rollback rolls back a child that succeeded, in reverse order, and waits for it", async () => {
      const rec = recorder();
      const b = await bench(endpoints, rec, { failDecide: true });
      const runtime = b.runtime();
      const { runId } = await runtime.submit({ workflow: 'onboarding', input: null, runId: 'ob-3' });
      const { parent: p, child: c } = await settle(b, runtime, runId);
      expect(p.status).toBe('failed');
      expect(p.rollback).toBe('completed');
      expect(p.tasks.kyc?.status).toBe('compensated');
      expect(c.status).toBe('cancelled');
      expect(c.rollback).toBe('completed');
      expect(c.error?.name).toBe('ParentRolledBack');
      expect(c.tasks.verify?.status).toBe('compensated');
      // the child's undo comes before the parent's compensation of what the child depended on
      expect(rec.calls.indexOf('unverify')).toBeLessThan(rec.calls.indexOf('unload'));
      expect(p.compensations.map((comp) => comp.task)).toEqual(['kyc', 'load']);
    });

    it('cancelling the parent cancels the running child and finishes once the child is rolled back', async () => {
      const rec = recorder();
      let release = () => {};
      const holdScore = new Promise<void>((resolve) => {
        release = resolve;
      });
      const b = await bench(endpoints, rec, { holdScore });
      const runtime = b.runtime();
      const { runId } = await runtime.submit({ workflow: 'onboarding', input: null, runId: 'ob-4' });
      const driving = settle(b, runtime, runId);
      while (!rec.calls.includes('score')) await new Promise((r) => setTimeout(r, 10));
      await runtime.cancel(runId);
      const during = await runtime.getRun(runId);
      expect(during?.status).toBe('compensating');
      release();
      const { parent: p, child: c } = await driving;
      expect(p.status).toBe('cancelled');
      expect(c.status).toBe('cancelled');
      expect(c.tasks.verify?.status).toBe('compensated');
      expect(p.tasks.kyc?.status).toBe('cancelled');
      expect(p.tasks.decide?.status).toBe('skipped');
      expect(rec.calls).not.toContain('decide');
    });

    const crashes: readonly FaultPoint[] = ['afterSubmit', 'afterCheckpoint', 'afterChildEnd'];
    for (const point of crashes) {
      it(`a crash ${point} of the child's start or end: recovery starts no second child and answers the parent`, async () => {
        const rec = recorder();
        const b = await bench(endpoints, rec);
        let crashed = false;
        const doomed = b.runtime({
          owner: 'doomed',
          faults: (at, site) => {
            // the child's creation (afterSubmit of its run), or its last checkpoint before it answers
            const inChild = site.runId.includes('~');
            const hit = at === point && inChild && (point !== 'afterCheckpoint' || site.taskId === 'score');
            if (!crashed && hit) {
              crashed = true;
              throw new Error(`simulated crash at ${point}`);
            }
          },
        });
        const { runId } = await doomed.submit({
          workflow: 'onboarding',
          input: null,
          runId: `ob-crash-${point}`,
        });
        await b.drive(doomed, async () => crashed);
        await b.purge();
        await pastGrace();
        const survivor = b.runtime({ owner: 'survivor', isOwnerAlive: (owner) => owner !== 'doomed' });
        // the reaper's passes: the child's own repair, the parent's look at its child
        await survivor.recover();
        const { parent: p, child: c } = await settle(b, survivor, runId, { recoverEveryMs: 250 });
        expect(p.status).toBe('succeeded');
        expect(c.runId).toBe(`${runId}~kyc~1`);
        expect(await survivor.getRun(`${runId}~kyc~2`)).toBeUndefined();
        expect(rec.calls.filter((call) => call === 'verify')).toHaveLength(1);
        expect(rec.calls.filter((call) => call === 'decide')).toHaveLength(1);
      });
    }
  });
}
