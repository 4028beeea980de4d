import { describe, expect, it } from 'vitest';
import { renderDot, renderMermaid } from '../../../src/workflow/index.ts';
import { compiled, errors } from './helpers.ts';

const flow = (map: string, extra = '') =>
  `workflow:\n  name: w\n  tasks:\n    - id: load\n    - id: each\n      deps: [load]\n      map: ${map}\n${extra}`;

describe('map', () => {
  it('compiles items, concurrency and tolerated failures, with their defaults', () => {
    const plan = compiled(flow('{ items: deps.load.rows }'));
    expect(plan.tasks.each?.map).toEqual({
      items: 'deps.load.rows',
      maxConcurrency: 40,
      tolerated: { count: 0 },
    });
    const tuned = compiled(flow("{ items: deps.load.rows, max_concurrency: 5, tolerated_failures: '10%' }"));
    expect(tuned.tasks.each?.map).toEqual({
      items: 'deps.load.rows',
      maxConcurrency: 5,
      tolerated: { percent: 10 },
    });
  });

  it('rejects a bad items expression, concurrency or tolerance at its position', () => {
    expect(errors(flow('{ items: deps.lod.rows, max_concurrency: 0, tolerated_failures: -1 }'))).toEqual([
      "flow.yaml:7:26: task 'each': map.items reads deps.lod, which is not one of its dependencies (its deps: load); did you mean 'load'?",
      "flow.yaml:7:53: task 'each' map.max_concurrency must be an integer from 1 to 1000, got 0",
      "flow.yaml:7:76: task 'each' map.tolerated_failures must be a count of items such as 3, or a percentage such as '10%', got -1",
    ]);
    expect(errors(flow('{ items: "deps.load.(" }'))[0]).toMatch(
      /^flow\.yaml:7:\d+: task 'each': map\.items is not a valid JSONata expression/,
    );
  });

  it('rejects a map without items, with an unknown setting, or with a timer, wait or child of its own', () => {
    expect(errors(flow('{ max_concurrency: 2 }'))[0]).toMatch(/map is missing 'items'/);
    expect(errors(flow('{ items: deps.load, parallel: 2 }'))[0]).toMatch(
      /unknown field 'parallel' in task 'each' map/,
    );
    expect(errors(flow('{ items: deps.load }', '      sleep: 2s\n'))).toEqual([
      "flow.yaml:8:14: task 'each' sleep must be absent on a task with 'map' (a map runs its handler once per item: put 'sleep' in a task of its own), got '2s'",
    ]);
  });
});

describe('map with on_failure: pause', () => {
  it('compiles a map in a workflow that pauses (a redrive runs again only its items that did not succeed)', () => {
    const text = `workflow:\n  name: w\n  on_failure: pause\n  tasks:\n    - id: load\n    - id: each\n      deps: [load]\n      map: { items: deps.load.rows }\n`;
    const plan = compiled(text);
    expect(plan.onFailure).toBe('pause');
    expect(plan.tasks.each?.map?.items).toBe('deps.load.rows');
  });
});

describe('concurrency', () => {
  const flowWith = (run: string, task: string) =>
    `workflow:\n  name: w\n  concurrency: ${run}\n  tasks:\n    - id: a\n    - id: b\n      deps: [a]\n      concurrency: ${task}\n`;

  it('compiles a run-level limit per key and a task-level limit', () => {
    const plan = compiled(flowWith('{ limit: 5, key: "${input.tenant}" }', '{ limit: 20 }'));
    expect(plan.concurrency).toEqual({ limit: 5, key: '${input.tenant}' });
    expect(plan.tasks.b?.concurrency).toEqual({ limit: 20 });
  });

  it('rejects a bad limit, a bad key, and a run key that reads deps', () => {
    expect(errors(flowWith('{ limit: 0 }', '{ limit: 2, key: "${deps.x.y}" }'))).toEqual([
      'flow.yaml:3:25: workflow.concurrency.limit must be an integer from 1 to 1000, got 0',
      "flow.yaml:8:45: task 'b': concurrency.key reads deps.x, but a concurrency slot is taken before the task starts: use input only",
    ]);
    expect(errors(flowWith('{ limit: 1, key: "${deps.a.t}" }', '{ limit: 2 }'))).toEqual([
      "flow.yaml:3:41: workflow concurrency.key reads deps.a, but a run's key is taken before any task has run: use input only",
    ]);
  });
});

describe('locks', () => {
  const withLocks = (locks: string) =>
    `workflow:\n  name: w\n  tasks:\n    - id: a\n    - id: b\n      deps: [a]\n      locks: ${locks}\n`;

  it('compiles lock templates over input and deps', () => {
    const plan = compiled(withLocks('["account:${input.from}", "account:${deps.a.to}"]'));
    expect(plan.tasks.b?.locks).toEqual(['account:${input.from}', 'account:${deps.a.to}']);
  });

  it('rejects a lock that reads a task outside its deps, or one that does not parse, at its position', () => {
    expect(errors(withLocks('["account:${deps.x.id}", "a:${input.("]'))).toEqual([
      "flow.yaml:7:31: task 'b': locks[0] reads deps.x, which is not one of its dependencies (its deps: a); add 'x' to its deps",
      "flow.yaml:7:42: task 'b': locks[1] is not a valid JSONata template: '${' is not closed by a matching '}'",
    ]);
  });
});

describe('graph', () => {
  it('notes and marks locks and concurrency limits', () => {
    const plan = compiled(
      'workflow:\n  name: w\n  concurrency: { limit: 5, key: "${input.tenant}" }\n  tasks:\n    - id: a\n      concurrency: { limit: 2 }\n    - id: b\n      deps: [a]\n      locks: ["account:${input.from}"]\n',
    );
    const mermaid = renderMermaid(plan);
    expect(mermaid).toContain('%% concurrency: 5 runs at once per ${input.tenant}');
    expect(mermaid).toContain('t0["a<br/>concurrency: 2 at once"]');
    expect(mermaid).toContain('t1["b<br/>locks: account:${input.from}"]');
    expect(mermaid).toContain('class t1 locked');
    expect(renderDot(plan)).toContain(
      '"b" [label="b\\nlocks: account:${input.from}", fillcolor="#fde8e8", style="rounded,filled"];',
    );
  });
});
