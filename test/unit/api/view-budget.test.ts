import { describe, expect, it } from 'vitest';
import { boundRunView, jsonBytes, MAX_VIEW_BYTES, outputHref } from '../../../src/api/view-budget.ts';
import type { Json, RunView, TaskView } from '../../../src/runtime/types.ts';

const KB = 1024;

/** A string output whose JSON text is `bytes` long. */
const outputOf = (bytes: number): Json => 'x'.repeat(bytes - 2);

function viewWith(tasks: Record<string, TaskView>, input: Json = {}): RunView {
  return {
    runId: 'r1',
    workflow: 'wide',
    planVersion: 'v1',
    status: 'succeeded',
    rollback: 'none',
    input,
    tasks,
    compensations: [],
  };
}

const succeeded = (bytes: number): TaskView => ({
  status: 'succeeded',
  attempts: 1,
  output: outputOf(bytes),
});

describe('boundRunView', () => {
  it('keeps a view within the budget as it is', () => {
    const view = viewWith({ a: succeeded(100), b: { status: 'pending', attempts: 0 } }, { n: 1 });
    expect(boundRunView(view)).toEqual(view);
  });

  it('links the outputs past the budget, in task order, with their size and route', () => {
    const view = viewWith({ a: succeeded(600), b: succeeded(500), c: succeeded(300) });
    const bounded = boundRunView(view, { valueBudgetBytes: 1000 });
    expect(bounded.tasks.a).toEqual(view.tasks.a);
    expect(bounded.tasks.b).toEqual({
      status: 'succeeded',
      attempts: 1,
      outputOmitted: { bytes: 500, href: '/workflows/wide/runs/r1/tasks/b/output' },
    });
    // a smaller output further on still fits in what is left
    expect(bounded.tasks.c).toEqual(view.tasks.c);
  });

  it('counts the input first against the budget, and always keeps it', () => {
    const input = outputOf(900);
    const bounded = boundRunView(viewWith({ a: succeeded(200) }, input), { valueBudgetBytes: 1000 });
    expect(bounded.input).toBe(input);
    expect(bounded.tasks.a?.outputOmitted?.bytes).toBe(200);
    const over = boundRunView(viewWith({ a: succeeded(200) }, outputOf(1200)), { valueBudgetBytes: 1000 });
    expect(over.tasks.a?.outputOmitted?.bytes).toBe(200);
  });

  it('counts bytes in UTF-8, as the body is sent', () => {
    const view = viewWith({ a: { status: 'succeeded', attempts: 1, output: 'é'.repeat(300) } });
    expect(boundRunView(view, { valueBudgetBytes: 301 + 2 }).tasks.a?.outputOmitted?.bytes).toBe(602);
    expect(boundRunView(view, { valueBudgetBytes: 602 + 2 }).tasks.a?.output).toBe(view.tasks.a?.output);
  });

  it('keeps 25 outputs of 290 KB (7.4 MB) within 1 MiB of values and links the rest', () => {
    const tasks = Object.fromEntries(
      Array.from({ length: 25 }, (_, i) => [`t${i}`, succeeded(290 * KB)] as const),
    );
    const view = viewWith(tasks);
    expect(jsonBytes(view)).toBeGreaterThan(7 * 1024 * KB);
    const bounded = boundRunView(view);
    expect(jsonBytes(bounded)).toBeLessThan(1024 * KB + 4 * KB);
    const inline = Object.values(bounded.tasks).filter((task) => task.output !== undefined);
    expect(inline).toHaveLength(3);
    expect(bounded.tasks.t24?.outputOmitted).toEqual({
      bytes: 290 * KB,
      href: '/workflows/wide/runs/r1/tasks/t24/output',
    });
  });

  it('leaves the tasks out of a view still over the ceiling without its outputs', () => {
    const tasks = Object.fromEntries(
      Array.from({ length: 120_000 }, (_, i) => [`task_${i}`, { status: 'succeeded', attempts: 1 }] as const),
    );
    const view: RunView = {
      ...viewWith(tasks, { id: 7 }),
      status: 'failed',
      rollback: 'completed',
      error: { name: 'Boom', message: 'it broke', taskId: 'task_7' },
      compensations: [{ task: 'task_1', handler: 'undo', status: 'succeeded', attempts: 1 }],
    };
    const bounded = boundRunView(view);
    expect(jsonBytes(view)).toBeGreaterThan(MAX_VIEW_BYTES);
    expect(bounded).toMatchObject({
      status: 'failed',
      rollback: 'completed',
      input: { id: 7 },
      error: view.error,
      tasks: {},
      compensations: [],
      tasksOmitted: { count: 120_000, compensations: 1 },
    });
    expect(bounded.tasksOmitted?.bytes).toBeGreaterThan(MAX_VIEW_BYTES);
    expect(jsonBytes(bounded)).toBeLessThan(1024);
  });

  it('escapes ids in the route it links', () => {
    expect(outputHref('reports', 'key:a.b', 'x-1')).toBe(
      '/workflows/reports/runs/key%3Aa.b/tasks/x-1/output',
    );
  });
});
