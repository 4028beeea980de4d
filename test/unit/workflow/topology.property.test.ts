import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileSource, type Plan } from '../../../src/workflow/index.ts';

/**
 * Random DAGs: task `i` may depend on any task created before it, and the tasks are then written in a
 * shuffled file order, so file order is not a topological order.
 */
const dagArbitrary = fc.integer({ min: 1, max: 30 }).chain((size) =>
  fc.record({
    deps: fc.tuple(
      ...Array.from({ length: size }, (_, i) =>
        fc.uniqueArray(fc.integer({ min: 0, max: Math.max(0, i - 1) }), {
          maxLength: i === 0 ? 0 : Math.min(i, 4),
        }),
      ),
    ),
    fileOrder: fc.shuffledSubarray(
      Array.from({ length: size }, (_, i) => i),
      { minLength: size, maxLength: size },
    ),
  }),
);

function source(deps: readonly (readonly number[])[], fileOrder: readonly number[]): string {
  const tasks = fileOrder.map((i) => ({ id: `t${i}`, deps: (deps[i] ?? []).map((d) => `t${d}`) }));
  return JSON.stringify({ workflow: { name: 'random', tasks } });
}

function compile(text: string): Plan {
  const result = compileSource(text, 'random.json');
  if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
  return result.plan;
}

describe('compiling random DAGs', () => {
  it('orders every task after all its deps, deterministically', () => {
    fc.assert(
      fc.property(dagArbitrary, ({ deps, fileOrder }) => {
        const text = source(deps, fileOrder);
        const plan = compile(text);
        const position = new Map(plan.order.map((id, index) => [id, index]));
        expect(plan.order).toHaveLength(fileOrder.length);
        expect(new Set(plan.order).size).toBe(fileOrder.length);
        for (const task of Object.values(plan.tasks)) {
          for (const dep of task.deps) expect(position.get(dep)).toBeLessThan(position.get(task.id) ?? -1);
          const expectedLevel = Math.max(-1, ...task.deps.map((dep) => plan.tasks[dep]?.level ?? 0)) + 1;
          expect(task.level).toBe(expectedLevel);
        }
        expect(compile(text)).toEqual(plan);
      }),
      { numRuns: 200 },
    );
  });

  it('picks the earliest ready task in the file at every step (Kahn with file-order ties)', () => {
    fc.assert(
      fc.property(dagArbitrary, ({ deps, fileOrder }) => {
        const plan = compile(source(deps, fileOrder));
        const done = new Set<string>();
        for (const id of plan.order) {
          const ready = Object.values(plan.tasks).filter(
            (task) => !done.has(task.id) && task.deps.every((dep) => done.has(dep)),
          );
          expect(id).toBe(ready.sort((a, b) => a.index - b.index)[0]?.id);
          done.add(id);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('reports a critical path that is a real chain as long as the deepest level', () => {
    fc.assert(
      fc.property(dagArbitrary, ({ deps, fileOrder }) => {
        const plan = compile(source(deps, fileOrder));
        expect(plan.criticalPath).toHaveLength(plan.levels.length);
        expect(plan.tasks[plan.criticalPath[0] ?? '']?.deps).toEqual([]);
        for (let i = 1; i < plan.criticalPath.length; i++) {
          expect(plan.tasks[plan.criticalPath[i] ?? '']?.deps).toContain(plan.criticalPath[i - 1]);
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe('compiling graphs with an injected cycle', () => {
  it('finds the cycle and reports a path that is a real cycle', () => {
    const withCycle = dagArbitrary
      .filter(({ deps }) => deps.some((list) => list.length > 0))
      .chain(({ deps, fileOrder }) =>
        fc.record({
          deps: fc.constant(deps),
          fileOrder: fc.constant(fileOrder),
          start: fc.constantFrom(...deps.flatMap((list, i) => (list.length > 0 ? [i] : []))),
          walk: fc.array(fc.nat(), { minLength: 1, maxLength: 10 }),
        }),
      );
    fc.assert(
      fc.property(withCycle, ({ deps, fileOrder, start, walk }) => {
        // Walk up from `start` through its deps to an ancestor, then make that ancestor depend on `start`.
        let ancestor = start;
        for (const step of walk) {
          const up = deps[ancestor] ?? [];
          if (up.length === 0) break;
          ancestor = up[step % up.length] ?? ancestor;
        }
        if (ancestor === start) ancestor = deps[start]?.[0] ?? start;
        const cyclic = deps.map((list, i) => (i === ancestor ? [...list, start] : [...list]));
        const result = compileSource(source(cyclic, fileOrder), 'cyclic.json');
        expect(result.ok).toBe(false);
        if (result.ok) return;
        const cycles = result.diagnostics.filter((d) => d.code === 'workflow.cycle');
        expect(cycles.length).toBeGreaterThan(0);
        for (const diagnostic of cycles) {
          const path = diagnostic.message.replace('dependency cycle: ', '').split(' -> ');
          expect(path[0]).toBe(path[path.length - 1]);
          expect(new Set(path.slice(1)).size).toBe(path.length - 1);
          for (let i = 1; i < path.length; i++) {
            const task = Number(path[i]?.slice(1));
            expect(cyclic[task]?.map((d) => `t${d}`)).toContain(path[i - 1]);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
