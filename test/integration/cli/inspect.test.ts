import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  calls,
  eventually,
  HANDLERS,
  LOCAL_BACKENDS,
  runArgs,
  spawnWeft,
  useBackend,
  weft,
  workspace,
} from './weft-cli.ts';

interface Event {
  readonly lamport: number;
  readonly type: string;
  readonly taskId?: string;
}

describe.each(LOCAL_BACKENDS)('weft status, history and cancel on %s', (backend) => {
  beforeAll(() => useBackend(backend));
  afterAll(() => useBackend(undefined));

  it('reads a finished run from the state dir: its status and its history in Lamport order', async () => {
    const { stateDir, log } = await workspace();
    const input = JSON.stringify({ log });
    const args = ['--state-dir', stateDir];
    const ran = await weft(runArgs('diamond.yaml', input, ...args));
    expect(ran.code, ran.stderr).toBe(0);
    const { runId } = JSON.parse(ran.stdout) as { runId: string };

    const status = await weft(['status', runId, ...args]);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toEqual({ ...JSON.parse(ran.stdout), workflow: 'diamond' });

    const history = await weft(['history', runId, ...args]);
    expect(history.code, history.stderr).toBe(0);
    const events = JSON.parse(history.stdout) as Event[];
    const stamps = events.map((event) => event.lamport);
    expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
    const position = (taskId: string) =>
      events.findIndex((event) => event.taskId === taskId && event.type === 'task.succeeded');
    expect(position('fetch')).toBeGreaterThanOrEqual(0);
    expect(position('fetch')).toBeLessThan(position('left'));
    expect(position('right')).toBeLessThan(position('join'));

    const unknown = await weft(['status', 'nope', ...args]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe(`weft: no run 'nope' in state dir '${stateDir}'\n`);
  });

  it('cancels a run in progress through the live process, which rolls it back: exit 2', async () => {
    const { dir, stateDir, log } = await workspace();
    const gate = join(dir, 'gate');
    const input = JSON.stringify({ log, gate });
    const args = ['--state-dir', stateDir];
    const running = spawnWeft(runArgs('gated.yaml', input, '--run-id', 'to-cancel', ...args));
    await eventually(() => existsSync(`${gate}.started`));

    // While `weft run` holds the state dir, other commands connect to its stack.
    const midway = await weft(['status', 'to-cancel', ...args]);
    expect(midway.code, midway.stderr).toBe(0);
    expect(JSON.parse(midway.stdout)).toMatchObject({
      status: 'running',
      tasks: { wait: { status: 'running' } },
    });

    const cancelling = spawnWeft(['cancel', 'to-cancel', ...args]);
    // The cancel command shows progress only once the cancellation is recorded: then let `wait` finish.
    await eventually(() => cancelling.stderr().includes('weft: '));
    await writeFile(gate, 'open');
    const cancelled = await cancelling.done;
    expect(cancelled.code, cancelled.stderr).toBe(0);
    const result = JSON.parse(cancelled.stdout);
    expect(result).toMatchObject({
      status: 'cancelled',
      rollback: 'completed',
      compensations: [{ task: 'before', handler: 'undo', status: 'succeeded' }],
    });
    expect(result.tasks.after.status).not.toBe('succeeded');

    const original = await running.done;
    expect(original.code, original.stderr).toBe(2);
    expect(JSON.parse(original.stdout)).toEqual(result);
    expect((await calls(log)).filter((line) => line.startsWith('after '))).toEqual([]);
  });

  it('completes a waiting callback task from another terminal with weft callback, once', async () => {
    const { stateDir, log } = await workspace();
    const args = ['--state-dir', stateDir];
    const running = spawnWeft(runArgs('approval.yaml', JSON.stringify({ log }), ...args));
    let token = '';
    await eventually(() => {
      token = /weft callback (wcb1\.\S+)/.exec(running.stderr())?.[1] ?? '';
      return token !== '';
    });
    const done = await weft(['callback', token, '--output', '{"approved":true}', ...args]);
    expect(done.code, done.stderr).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({ taskId: 'approve', status: 'succeeded' });
    const ran = await running.done;
    expect(ran.code, ran.stderr).toBe(0);
    const result = JSON.parse(ran.stdout);
    expect(result.tasks.approve).toMatchObject({ status: 'succeeded', output: { approved: true } });
    expect(result.tasks.after.status).toBe('succeeded');

    const again = await weft(['callback', token, '--error', 'Rejected', ...args]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(
      /^weft: the callback of task 'approve' in run \S+ is no longer open \(the task is succeeded\)/,
    );
    expect(again.stderr).not.toContain('    at ');
    const usage = await weft(['callback', token, ...args]);
    expect(usage.code).toBe(1);
    expect(usage.stderr).toContain('give --output <json> to complete the task');
  });

  it('pauses a run (exit 4), then redrives it with a fixed input, or rolls it back', async () => {
    const { stateDir, log } = await workspace();
    const args = ['--state-dir', stateDir];
    const ran = await weft(runArgs('paused.yaml', JSON.stringify({ log }), '--run-id', 'p1', ...args));
    expect(ran.code, ran.stderr).toBe(4);
    expect(JSON.parse(ran.stdout)).toMatchObject({
      status: 'paused',
      rollback: 'none',
      error: { taskId: 'check', message: 'check needs fixed: true' },
    });
    expect(ran.stderr).toContain(
      'weft: run p1 is paused (task check failed: Error: check needs fixed: true)',
    );
    expect(ran.stderr).toContain('weft redrive p1 --handlers <module>');

    const fixed = JSON.stringify({ log, fixed: true });
    const redriven = await weft(['redrive', 'p1', '--input', fixed, '--handlers', HANDLERS, ...args]);
    expect(redriven.code, redriven.stderr).toBe(0);
    expect(JSON.parse(redriven.stdout)).toMatchObject({
      status: 'succeeded',
      tasks: { after: { status: 'succeeded' } },
    });
    expect((await calls(log)).filter((line) => line.startsWith('before '))).toHaveLength(1);
    const again = await weft(['redrive', 'p1', ...args]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(
      'weft: run p1 is succeeded, not paused: only a paused run (on_failure: pause) can be redriven\n',
    );

    const second = await weft(runArgs('paused.yaml', JSON.stringify({ log }), '--run-id', 'p2', ...args));
    expect(second.code).toBe(4);
    // recorded without handlers, and no weft process holds the run: it goes on once resumed
    const recorded = await weft(['redrive', 'p2', ...args]);
    expect(recorded.code, recorded.stderr).toBe(0);
    expect(recorded.stderr).toContain('weft: recorded; run p2 goes on once it is resumed');
    expect(JSON.parse(recorded.stdout).status).toBe('running');
    const paused = await weft(['resume', 'p2', '--handlers', HANDLERS, ...args]);
    expect(paused.code, paused.stderr).toBe(4);
    const rolled = await weft(['rollback', 'p2', '--handlers', HANDLERS, ...args]);
    expect(rolled.code, rolled.stderr).toBe(2);
    expect(JSON.parse(rolled.stdout)).toMatchObject({ status: 'failed', rollback: 'completed' });
  });
});
