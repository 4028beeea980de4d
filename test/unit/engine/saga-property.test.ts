import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideRollback } from '../../../src/engine/saga.ts';
import type { TaskRecord } from '../../../src/engine/types.ts';
import type { Plan, PlannedTask } from '../../../src/workflow/plan.ts';
import { task } from './records.ts';

/** A random DAG: task i may depend on any earlier task; some tasks have a compensation. */
const dags = fc.integer({ min: 1, max: 8 }).chain((n) =>
  fc.record({
    deps: fc.tuple(
      ...Array.from({ length: n }, (_, i) => fc.subarray(Array.from({ length: i }, (_, j) => j))),
    ),
    compensated: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
    start: fc.array(fc.constantFrom('succeeded', 'failed', 'running', 'pending'), {
      minLength: n,
      maxLength: n,
    }),
    choices: fc.array(fc.nat(), { minLength: 200, maxLength: 200 }),
  }),
);

function toPlan(deps: readonly (readonly number[])[], compensated: readonly boolean[]): Plan {
  const id = (i: number) => `t${i}`;
  const tasks: Record<string, PlannedTask> = {};
  deps.forEach((ds, i) => {
    tasks[id(i)] = {
      id: id(i),
      index: i,
      handler: id(i),
      deps: ds.map(id),
      dependents: deps.flatMap((other, j) => (other.includes(i) ? [id(j)] : [])),
      level: 0,
      retry: { maxAttempts: 1, backoffMs: 0, backoffRate: 2, jitter: 'none' },
      ...(compensated[i]
        ? {
            compensation: {
              handler: 'undo',
              retry: { maxAttempts: 3, backoffMs: 0, backoffRate: 2, jitter: 'none' },
            },
          }
        : {}),
    };
  });
  const order = deps.map((_, i) => id(i));
  return {
    name: 'random',
    version: 'v',
    tasks,
    roots: order.filter((t) => tasks[t]?.deps.length === 0),
    sinks: order.filter((t) => tasks[t]?.dependents.length === 0),
    order,
    levels: [order],
    criticalPath: [],
    triggers: [],
    schedules: [],
  };
}

describe('decideRollback on random DAGs and interleavings', () => {
  it('undoes exactly the succeeded tasks, each after everything downstream, and finishes only when all settled', () => {
    fc.assert(
      fc.property(dags, ({ deps, compensated, start, choices }) => {
        const plan = toPlan(deps, compensated);
        const state = new Map<string, TaskRecord>();
        // a task can only have started if its dependencies succeeded
        plan.order.forEach((id, i) => {
          const ready = deps[i]?.every((d) => state.get(`t${d}`)?.status === 'succeeded') ?? true;
          const status = ready ? (start[i] ?? 'pending') : 'pending';
          if (status !== 'pending') state.set(id, task(id, { status }));
        });
        const succeededEver = new Set(
          [...state.values()].filter((t) => t.status === 'succeeded').map((t) => t.taskId),
        );
        const undoneAt = new Map<string, number>();
        const startedAt = new Map<string, number>();
        let clock = 0;
        let finished: string | undefined;
        for (const choice of [...choices, ...Array.from({ length: 200 }, () => 0)]) {
          const step = decideRollback(plan, state);
          for (const id of step.skip) state.set(id, task(id, { status: 'skipped' }));
          for (const id of step.flag) state.set(id, { ...(state.get(id) ?? task(id)), stopping: true });
          for (const id of step.compensate) {
            clock += 1;
            startedAt.set(id, clock);
            state.set(id, {
              ...(state.get(id) ?? task(id)),
              compensation: { status: 'ready', attempt: 0, failures: 0 },
            });
          }
          if (step.finished) {
            finished = step.finished;
            break;
          }
          // something in flight ends: a running task, or a started compensation
          const inFlight = [...state.values()].filter(
            (t) => t.status === 'running' || (t.status === 'succeeded' && t.compensation),
          );
          const pick = inFlight[choice % Math.max(1, inFlight.length)];
          if (!pick) continue;
          if (pick.status === 'running') {
            const outcome = choice % 3 === 0 ? 'failed' : 'succeeded';
            if (outcome === 'succeeded') succeededEver.add(pick.taskId);
            state.set(pick.taskId, { ...pick, status: outcome });
          } else {
            clock += 1;
            undoneAt.set(pick.taskId, clock);
            const status = choice % 5 === 0 ? 'compensation_failed' : 'compensated';
            const { compensation: _, ...rest } = pick;
            state.set(pick.taskId, { ...rest, status });
          }
        }
        expect(finished).toBeDefined();
        const withCompensation = [...succeededEver].filter((id) => plan.tasks[id]?.compensation);
        expect([...undoneAt.keys()].sort()).toEqual(withCompensation.sort());
        const descendants = (id: string): string[] =>
          (plan.tasks[id]?.dependents ?? []).flatMap((d) => [d, ...descendants(d)]);
        for (const [id, started] of startedAt) {
          for (const later of descendants(id)) {
            const undone = undoneAt.get(later);
            if (undone !== undefined) expect(undone).toBeLessThan(started);
          }
        }
        expect([...state.values()].some((t) => t.status === 'running')).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
