import { describe, expect, it } from 'vitest';
import { UserInputError } from '../../../src/errors.ts';
import { assertHandlers, loadHandlers, missingHandlers } from '../../../src/local/handlers.ts';
import type { HandlerRegistry } from '../../../src/runtime/types.ts';
import type { Plan, PlannedTask } from '../../../src/workflow/plan.ts';

const retry = { maxAttempts: 1, backoffMs: 0, backoffRate: 2, jitter: 'full' } as const;

function task(id: string, index: number, extra: Partial<PlannedTask> = {}): PlannedTask {
  return { id, index, handler: id, deps: [], dependents: [], level: 0, retry, ...extra };
}

function plan(tasks: PlannedTask[]): Plan {
  return {
    name: 'p',
    version: 'v',
    tasks: Object.fromEntries(tasks.map((t) => [t.id, t])),
    roots: [],
    sinks: [],
    order: [],
    levels: [],
    criticalPath: [],
    triggers: [],
    schedules: [],
  };
}

const noop = (): null => null;

describe('loadHandlers', () => {
  it('returns the function exports of a .ts module by name', async () => {
    const registry = await loadHandlers('test/fixtures/handlers/good.ts');
    expect(Object.keys(registry).sort()).toEqual(['charge', 'refund']);
  });

  it('rejects a missing module with a user error naming the path', async () => {
    await expect(loadHandlers('test/fixtures/handlers/nope.ts')).rejects.toThrow(
      /handlers module 'test\/fixtures\/handlers\/nope.ts' not found/,
    );
  });

  it('rejects a module that throws while loading with its own message', async () => {
    const failure = loadHandlers('test/fixtures/handlers/broken.ts');
    await expect(failure).rejects.toBeInstanceOf(UserInputError);
    await expect(failure).rejects.toThrow(/failed to load: database URL is not set/);
  });
});

describe('missingHandlers', () => {
  const p = plan([
    task('b', 1, { compensation: { handler: 'undo_b', retry } }),
    task('a', 0, { handler: 'run_a' }),
    task('c', 2, { lambda: 'arn:aws:lambda:us-east-1:1:function:c' }),
    task('d', 3, { handler: 'run_a' }),
  ]);

  it('names every missing task and compensation handler once, in file order', () => {
    expect(missingHandlers([p], {})).toEqual(['run_a', 'b', 'undo_b', 'c']);
  });

  it('asks locally for a stand-in of a task that runs a Lambda function, named after the task', () => {
    const registry: HandlerRegistry = { run_a: noop, b: noop, undo_b: noop };
    expect(missingHandlers([p], registry)).toEqual(['c']);
    expect(missingHandlers([p], { ...registry, c: noop })).toEqual([]);
  });

  it('fails with one message listing all missing names', () => {
    expect(() => assertHandlers([p], { b: noop, c: noop }, 'h.ts')).toThrow(
      "missing handlers 'run_a', 'undo_b': export them from 'h.ts'",
    );
    expect(() => assertHandlers([p], { b: noop, run_a: noop, undo_b: noop }, 'h.ts')).toThrow(
      "missing handler 'c': export it from 'h.ts' (task 'c' invokes Lambda 'arn:aws:lambda:us-east-1:1:function:c' on AWS;",
    );
  });
});
