import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalEngine, openLocal } from '../../../src/index.ts';
import { loadPlan } from '../../../src/workflow/index.ts';

const HANDLERS = 'test/fixtures/isolation/handlers.ts';
const root = new URL('../../..', import.meta.url).pathname;

/** A CPU-bound task with a timeout beside a task that heartbeats the whole time. */
const spinning = (isolation: string) => `workflow:
  name: spinning_${isolation}
  tasks:
    - id: spin
      handler: spin
      isolation: ${isolation}
      timeout: 400ms
      retry_policy: { max_attempts: 2, backoff: 0s, jitter: none, retry_on: [TaskTimeout] }
    - id: steady
      handler: steady
      heartbeat: 400ms
`;

const plans = [
  loadPlan(spinning('thread'), 'spinning.yaml'),
  loadPlan(spinning('process'), 'spinning.yaml'),
  loadPlan(
    `workflow:
  name: undone
  tasks:
    - id: reserve
      handler: where
      isolation: thread
      compensation: undo_where
      retry_policy: { max_attempts: 1 }
    - id: charge
      deps: [reserve]
      handler: declined
`,
    'undone.yaml',
  ),
  loadPlan(
    `workflow:
  name: exits
  tasks:
    - id: exit_seven
      isolation: process
      retry_policy: { max_attempts: 2, backoff: 0s, retry_on: [ProcessExit] }
`,
    'exits.yaml',
  ),
  loadPlan(
    `workflow:
  name: where
  tasks:
    - id: first
      handler: where
    - id: in_thread
      deps: [first]
      handler: where
      isolation: thread
    - id: in_process
      deps: [first]
      handler: where
      isolation: process
    - id: beat
      deps: [first]
      handler: beats
      isolation: thread
      heartbeat: 1s
    - id: declined
      deps: [first]
      isolation: process
      retry_policy: { max_attempts: 3, backoff: 0s, retry_on: [Other] }
`,
    'where.yaml',
  ),
];

/** Heartbeats the neighbour records at least in its 1.5 s, even with a store write of 250 ms each. */
const MIN_BEATS = 5;

let engine: LocalEngine;

beforeAll(async () => {
  engine = await openLocal({
    workflows: plans,
    handlers: HANDLERS,
    stateDir: join(await mkdtemp(join(tmpdir(), 'weft-isolation-')), 'state'),
  });
});

afterAll(async () => {
  await engine?.close();
});

describe('isolation: thread and process', () => {
  it.each(['thread', 'process'])(
    'stops a CPU-bound %s handler at its timeout, retries it per policy, while another task heartbeats',
    async (isolation) => {
      const started = Date.now();
      const { runId } = await engine.submit(`spinning_${isolation}`, {});
      const result = await engine.wait(runId, { timeoutMs: 20_000 });
      expect(result.status).toBe('failed');
      expect(result.tasks.spin).toMatchObject({
        status: 'failed',
        attempts: 2,
        error: { name: 'TaskTimeout' },
      });
      // the weft process stayed free: the neighbour's heartbeats (a store write each, 50 ms apart) were
      // recorded through the 1.5 s it ran beside the spinning handler; in process, none would be
      const steady = result.tasks.steady as { status: string; output?: { beats: number } };
      expect(steady.status).toBe('succeeded');
      expect(steady.output?.beats).toBeGreaterThanOrEqual(MIN_BEATS);
      const history = (await engine.history(runId)) ?? [];
      const failedAt = history.find((event) => event.type === 'task.failed' && event.taskId === 'spin')?.at;
      // two attempts of 400 ms and their hosts' start (slower on a busy machine), not the handler's (never) end
      expect(Date.parse(String(failedAt)) - started).toBeLessThan(8_000);
    },
  );

  it('fails the attempt of a handler calling process.exit(7) in its process, and weft goes on', async () => {
    const { runId } = await engine.submit('exits', {});
    const result = await engine.wait(runId, { timeoutMs: 20_000 });
    expect(result.tasks.exit_seven).toMatchObject({
      status: 'failed',
      attempts: 2,
      error: { name: 'ProcessExit', message: expect.stringMatching(/child process exited with code 7/) },
    });
    const next = await engine.submit('where', { n: 2 });
    expect((await engine.wait(next.runId, { timeoutMs: 20_000 })).tasks.first?.status).toBe('succeeded');
  });

  it('gives the isolated handler the same event and context, heartbeats across, and keeps error names', async () => {
    const { runId } = await engine.submit('where', { n: 1 });
    const result = await engine.wait(runId, { timeoutMs: 20_000 });
    type Where = { thread: boolean; pid: number; input: unknown; deps: unknown; idempotencyKey: string };
    const output = (id: string) => result.tasks[id]?.output as Where;
    const first = output('first');
    expect(first).toMatchObject({ thread: false, pid: process.pid });
    expect(output('in_thread')).toMatchObject({
      thread: true,
      pid: process.pid,
      input: { n: 1 },
      deps: { first },
      idempotencyKey: `${runId}:in_thread`,
    });
    expect(output('in_process')).toMatchObject({ thread: false, input: { n: 1 }, deps: { first } });
    expect(output('in_process').pid).not.toBe(process.pid);
    expect(result.tasks.beat?.output).toBe(3);
    // retry_on names another error: the first Declined fails the task, as in process
    expect(result.tasks.declined).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { name: 'Declined', message: 'card declined: insufficient funds' },
    });
  });

  it("runs a task's compensation with the task's isolation", async () => {
    const { runId } = await engine.submit('undone', {});
    const result = await engine.wait(runId, { timeoutMs: 20_000 });
    expect(result.compensations).toEqual([
      {
        task: 'reserve',
        handler: 'undo_where',
        status: 'failed',
        attempts: 1,
        error: { name: 'Error', message: 'ran in a worker thread' },
      },
    ]);
  });

  it('refuses handler functions for an isolated task before anything runs', async () => {
    await expect(
      openLocal({
        workflows: plans,
        handlers: {
          spin: () => 1,
          steady: () => 1,
          exit_seven: () => 1,
          where: () => 1,
          beats: () => 1,
          declined: () => 1,
          undo_where: () => 1,
        },
        stateDir: join(await mkdtemp(join(tmpdir(), 'weft-isolation-')), 'state'),
      }),
    ).rejects.toMatchObject({ code: 'handlers.isolationNeedsModule' });
  });
});

describe('the same CPU-bound handler without isolation', () => {
  let child: ChildProcess | undefined;

  afterAll(() => {
    child?.kill('SIGKILL');
  });

  it('blocks weft itself: the run is not over at its timeout, nor seconds later (the test bites)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weft-isolation-none-'));
    const file = join(dir, 'spinning.yaml');
    await writeFile(file, spinning('none'));
    child = spawn(
      process.execPath,
      ['bin/weft.js', 'run', file, '--handlers', HANDLERS, '--state-dir', join(dir, 'state')],
      { cwd: root, stdio: 'ignore' },
    );
    const exited = new Promise<number | null>((resolve) => child?.once('exit', resolve));
    const timedOut = new Promise<'still running'>((resolve) =>
      setTimeout(() => resolve('still running'), 4_000),
    );
    expect(await Promise.race([exited, timedOut])).toBe('still running');
  });
});

describe('isolation on the emulators backend (dynalite and fauxqs)', () => {
  let emulated: LocalEngine | undefined;

  beforeAll(async () => {
    emulated = await openLocal({
      workflows: plans,
      handlers: HANDLERS,
      backend: 'emulators',
      stateDir: join(await mkdtemp(join(tmpdir(), 'weft-isolation-emulators-')), 'state'),
    });
  });

  afterAll(async () => {
    await emulated?.close();
  });

  it('stops the spinning thread at its timeout and fails the exiting process, as on SQLite', async () => {
    const engine = emulated as LocalEngine;
    const spun = await engine.submit('spinning_thread', {});
    const exited = await engine.submit('exits', {});
    const [spinning, exits] = await Promise.all([
      engine.wait(spun.runId, { timeoutMs: 30_000 }),
      engine.wait(exited.runId, { timeoutMs: 30_000 }),
    ]);
    expect(spinning.tasks.spin).toMatchObject({
      status: 'failed',
      attempts: 2,
      error: { name: 'TaskTimeout' },
    });
    expect((spinning.tasks.steady?.output as { beats: number } | undefined)?.beats).toBeGreaterThanOrEqual(
      MIN_BEATS,
    );
    expect(exits.tasks.exit_seven).toMatchObject({
      status: 'failed',
      attempts: 2,
      error: { name: 'ProcessExit' },
    });
  });
});
