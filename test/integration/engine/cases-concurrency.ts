import { describe, expect, it } from 'vitest';
import type { HandlerRegistry, TaskEvent } from '../../../src/runtime/types.ts';
import { catalog, createBench, type Endpoints, plan, survive } from './harness.ts';

const perTenant = plan(`workflow:
  name: per_tenant
  concurrency: { limit: 2, key: "\${input.tenant}" }
  tasks:
    - id: work
    - id: after
      deps: [work]
`);

const oneAtATime = plan(`workflow:
  name: one_at_a_time
  concurrency: { limit: 1 }
  tasks:
    - id: work
`);

const perTask = plan(`workflow:
  name: per_task
  tasks:
    - id: start
    - id: a
      deps: [start]
      concurrency: { limit: 2 }
      handler: call
    - id: b
      deps: [start]
      concurrency: { limit: 2 }
      handler: call
    - id: c
      deps: [start]
      concurrency: { limit: 2 }
      handler: call
`);

interface Recorder {
  readonly inFlight: Map<string, number>;
  readonly peak: Map<string, number>;
  readonly starts: string[];
}

const recorder = (): Recorder => ({ inFlight: new Map(), peak: new Map(), starts: [] });

function handlers(rec: Recorder, by: (event: TaskEvent) => string): HandlerRegistry {
  const busy = async (event: TaskEvent) => {
    const key = by(event);
    rec.starts.push(`${event.runId}:${event.taskId}`);
    const now = (rec.inFlight.get(key) ?? 0) + 1;
    rec.inFlight.set(key, now);
    rec.peak.set(key, Math.max(rec.peak.get(key) ?? 0, now));
    await new Promise((resolve) => setTimeout(resolve, 25));
    rec.inFlight.set(key, (rec.inFlight.get(key) ?? 1) - 1);
    return { ok: true };
  };
  return { work: busy, call: busy, after: () => null, start: () => null };
}

const tenantOf = (event: TaskEvent) => String((event.input as { tenant: string }).tenant);

/** Concurrency limits: per key across runs, per task across runs, fair, freed when a holder dies. */
export function concurrencyCases(endpoints: () => Endpoints): void {
  describe('concurrency limits', () => {
    it('runs at most `limit` runs per key at once; other keys are not held up; all finish', async () => {
      const rec = recorder();
      const b = await createBench(endpoints(), catalog(perTenant), handlers(rec, tenantOf));
      const runtime = b.runtime();
      const ids: string[] = [];
      for (let i = 0; i < 6; i += 1) {
        ids.push(
          (await runtime.submit({ workflow: 'per_tenant', input: { tenant: 'acme' }, runId: `t-a${i}` }))
            .runId,
        );
      }
      ids.push(
        (await runtime.submit({ workflow: 'per_tenant', input: { tenant: 'zeta' }, runId: 't-z0' })).runId,
      );
      await b.drive(
        runtime,
        async () => {
          const views = await Promise.all(ids.map((id) => runtime.getRun(id)));
          return views.every((view) => view?.status === 'succeeded');
        },
        { concurrency: 8 },
      );
      expect(rec.peak.get('acme')).toBeLessThanOrEqual(2);
      expect(rec.starts.filter((s) => s.startsWith('t-a'))).toHaveLength(6);
      // the run of another key started before the key that was full had drained
      expect(rec.starts.indexOf('t-z0:work')).toBeLessThan(rec.starts.length - 1);
    });

    it('runs at most `limit` attempts of a task at once across its runs', async () => {
      const rec = recorder();
      const b = await createBench(
        endpoints(),
        catalog(perTask),
        handlers(rec, (event) => event.taskId),
      );
      const runtime = b.runtime();
      const ids = ['p-1', 'p-2', 'p-3'];
      for (const runId of ids) await runtime.submit({ workflow: 'per_task', input: null, runId });
      await b.drive(
        runtime,
        async () =>
          (await Promise.all(ids.map((id) => runtime.getRun(id)))).every((v) => v?.status === 'succeeded'),
        { concurrency: 8 },
      );
      for (const task of ['a', 'b', 'c']) expect(rec.peak.get(task)).toBeLessThanOrEqual(2);
      expect(rec.starts).toHaveLength(9);
    });

    it('frees the slot of a run that ended without giving it back (its process died): the next run goes on', async () => {
      const rec = recorder();
      const b = await createBench(
        endpoints(),
        catalog(oneAtATime),
        handlers(rec, () => 'solo'),
      );
      let crashed = false;
      const doomed = b.runtime({
        owner: 'doomed',
        faults: (at) => {
          if (at === 'beforeSlotRelease' && !crashed) {
            crashed = true;
            throw new Error('simulated crash before the slot is given back');
          }
        },
      });
      // the first run ends and dies before it gives its slot back; the others wait for that slot
      await doomed.submit({ workflow: 'one_at_a_time', input: null, runId: 'dead-1' });
      await doomed.submit({ workflow: 'one_at_a_time', input: null, runId: 'dead-2' });
      await doomed.submit({ workflow: 'one_at_a_time', input: null, runId: 'dead-3' });
      await b.drive(doomed, async () => crashed);
      await survive(b, ['dead-1', 'dead-2', 'dead-3']);
      expect(rec.peak.get('solo')).toBe(1);
      expect(rec.starts).toHaveLength(3);
    });
  });
}
