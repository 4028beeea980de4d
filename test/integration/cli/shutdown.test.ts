import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { calls, eventually, runArgs, spawnWeft, weft, workspace } from './weft-cli.ts';

/** SIGTERM: stop taking work, let running attempts finish within the grace, exit; a second signal exits now. */
describe('weft run on SIGTERM', () => {
  it('lets the running attempt finish and checkpoint, starts nothing after it, and exits 143', async () => {
    const { dir, stateDir, log } = await workspace();
    const gate = join(dir, 'gate');
    const input = JSON.stringify({ log, gate, ms: 1_500 });
    const running = spawnWeft(runArgs('slow.yaml', input, '--run-id', 'sig-1', '--state-dir', stateDir));
    await eventually(() => existsSync(`${gate}.started`));
    running.child.kill('SIGTERM');
    const ended = await running.done;
    expect(ended.code, ended.stderr).toBe(143);
    expect(ended.stderr).toContain('weft: SIGTERM: stopping; running attempts have 10 s to finish');
    // the attempt in hand finished and was recorded; its dependent was not started
    expect(await calls(log)).toEqual(['long 1']);
    const status = await weft(['status', 'sig-1', '--state-dir', stateDir]);
    expect(JSON.parse(status.stdout).tasks).toMatchObject({
      long: { status: 'succeeded' },
      after: { status: 'ready' },
    });
  });

  it('abandons an attempt that outlives the grace, and exits at once on a second signal', async () => {
    const { dir, stateDir, log } = await workspace();
    const gate = join(dir, 'gate');
    const input = JSON.stringify({ log, gate, ms: 60_000 });
    const env = { WEFT_SHUTDOWN_GRACE_MS: '800' };
    const graced = spawnWeft(runArgs('slow.yaml', input, '--run-id', 'sig-2', '--state-dir', stateDir), env);
    await eventually(() => existsSync(`${gate}.started`));
    graced.child.kill('SIGTERM');
    const first = await graced.done;
    expect(first.code, first.stderr).toBe(143);
    // the process did not wait for the 60 s handler, which records itself only at its end
    expect(await calls(log)).toEqual([]);
    const status = await weft(['status', 'sig-2', '--state-dir', stateDir]);
    expect(JSON.parse(status.stdout).tasks.long.status).toBe('running');

    const again = join(dir, 'again');
    const second = spawnWeft(
      runArgs('slow.yaml', JSON.stringify({ log, gate: again, ms: 60_000 }), '--state-dir', join(dir, 's2')),
    );
    await eventually(() => existsSync(`${again}.started`));
    second.child.kill('SIGTERM');
    await eventually(() => second.stderr().includes('stopping'));
    second.child.kill('SIGTERM');
    const ended = await second.done;
    expect(ended.code).toBe(143);
    expect(ended.stderr).toContain('weft: SIGTERM again: exiting now');
  });
});
