import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Isolation, runIsolated } from '../../../../src/runtime/isolation/run-isolated.ts';
import type { TaskContext } from '../../../../src/runtime/types.ts';

const modulePath = resolve('test/fixtures/isolation/handlers.ts');
const event = { input: { a: 1 }, deps: { up: 'U' }, runId: 'r1', taskId: 't1', attempt: 2 };

function context(overrides: Partial<TaskContext> = {}): TaskContext & { beats: number } {
  const ctx = {
    beats: 0,
    signal: new AbortController().signal,
    idempotencyKey: 'r1:t1',
    heartbeat: async () => {
      ctx.beats += 1;
    },
    ...overrides,
  };
  return ctx;
}

describe.each<Isolation>(['thread', 'process'])('runIsolated in a %s', (isolation) => {
  it('calls the export with the same event and idempotency key, and resolves with its result', async () => {
    const result = await runIsolated({ isolation, modulePath, handler: 'where' }, event, context());
    expect(result).toMatchObject({
      thread: isolation === 'thread',
      input: { a: 1 },
      deps: { up: 'U' },
      attempt: 2,
      runId: 'r1',
      taskId: 't1',
      idempotencyKey: 'r1:t1',
    });
  });

  it("carries each heartbeat to the attempt's context and back", async () => {
    const ctx = context();
    expect(await runIsolated({ isolation, modulePath, handler: 'beats' }, event, ctx)).toBe(3);
    expect(ctx.beats).toBe(3);
  });

  it('fails the handler with a refused heartbeat, its name kept', async () => {
    const ctx = context({
      heartbeat: async () => {
        throw Object.assign(new Error('the lease was lost'), { name: 'LeaseLost' });
      },
    });
    await expect(runIsolated({ isolation, modulePath, handler: 'beats' }, event, ctx)).rejects.toMatchObject({
      name: 'LeaseLost',
      message: 'the lease was lost',
    });
  });

  it('ends a handler that never yields as soon as the signal aborts', async () => {
    const controller = new AbortController();
    const running = runIsolated(
      { isolation, modulePath, handler: 'spin' },
      event,
      context({ signal: controller.signal }),
    );
    // let the host start and enter the loop
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const abortedAt = Date.now();
    controller.abort(new Error('timed out after 1000 ms'));
    await expect(running).rejects.toThrow('timed out after 1000 ms');
    expect(Date.now() - abortedAt).toBeLessThan(200);
  });

  it('starts nothing for a signal already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('the worker is shutting down'));
    await expect(
      runIsolated({ isolation, modulePath, handler: 'where' }, event, context({ signal: controller.signal })),
    ).rejects.toThrow('the worker is shutting down');
  });

  it('rejects a result that is not JSON, and an export the module lacks, by name', async () => {
    await expect(
      runIsolated({ isolation, modulePath, handler: 'circular' }, event, context()),
    ).rejects.toMatchObject({
      name: 'InvalidOutputError',
    });
    await expect(
      runIsolated({ isolation, modulePath, handler: 'absent' }, event, context()),
    ).rejects.toMatchObject({
      name: 'HandlerNotFoundError',
    });
  });

  it('fails with ProcessExit when the handler exits its host', async () => {
    await expect(
      runIsolated({ isolation, modulePath, handler: 'exit_seven' }, event, context()),
    ).rejects.toMatchObject({
      name: 'ProcessExit',
      message: expect.stringContaining('exited with code 7'),
    });
  });
});
