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

describe.each(LOCAL_BACKENDS)('weft resume on %s', (backend) => {
  beforeAll(() => useBackend(backend));
  afterAll(() => useBackend(undefined));

  it('finishes a run whose process was killed (kill -9) without running a checkpointed task again', async () => {
    const { dir, stateDir, log } = await workspace();
    const gate = join(dir, 'gate');
    const input = JSON.stringify({ log, gate });
    const first = spawnWeft(runArgs('gated.yaml', input, '--state-dir', stateDir, '--run-id', 'killed'));
    await eventually(() => existsSync(`${gate}.started`));
    first.child.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.code).toBeNull();
    expect(await calls(log)).toEqual(['before 1', 'wait 1']);

    // Handlers that do not cover the pinned plan are refused before anything runs.
    const wrong = await weft([
      'resume',
      'killed',
      '--handlers',
      'test/fixtures/handlers/good.ts',
      '--state-dir',
      stateDir,
    ]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("weft: missing handlers 'step', 'undo', 'gate'");

    await writeFile(gate, 'open');
    const resumed = await weft(['resume', 'killed', '--handlers', HANDLERS, '--state-dir', stateDir]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({
      runId: 'killed',
      status: 'succeeded',
      tasks: {
        before: { status: 'succeeded', attempts: 1 },
        wait: { status: 'succeeded', output: { opened: true } },
        after: { status: 'succeeded', attempts: 1 },
      },
    });
    const ran = await calls(log);
    // `before` was checkpointed before the kill: it never runs again. `wait` was cut off and runs again.
    expect(ran.filter((line) => line.startsWith('before '))).toEqual(['before 1']);
    expect(ran.filter((line) => line.startsWith('after '))).toEqual(['after 1']);
    expect(ran.filter((line) => line.startsWith('wait '))).toHaveLength(2);
  });

  it('makes a second weft run with the same --run-id wait for the run in progress, starting nothing', async () => {
    const { dir, stateDir, log } = await workspace();
    const gate = join(dir, 'gate');
    const args = runArgs(
      'gated.yaml',
      JSON.stringify({ log, gate }),
      '--state-dir',
      stateDir,
      '--run-id',
      'twice',
    );
    const first = spawnWeft(args);
    await eventually(() => existsSync(`${gate}.started`));
    const second = spawnWeft(args);
    await eventually(() => second.stderr().includes('run twice already exists'));
    await writeFile(gate, 'open');
    const [one, two] = await Promise.all([first.done, second.done]);
    expect(one.code, one.stderr).toBe(0);
    expect(two.code, two.stderr).toBe(0);
    expect(JSON.parse(two.stdout)).toEqual(JSON.parse(one.stdout));
    expect(await calls(log)).toEqual(['before 1', 'wait 1', 'after 1']);
  });

  it('rejects an unknown run without creating a state dir: exit 1', async () => {
    const { stateDir } = await workspace();
    const outcome = await weft(['resume', 'nope', '--handlers', HANDLERS, '--state-dir', stateDir]);
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toBe(`weft: no run 'nope' in state dir '${stateDir}'\n`);
    expect(existsSync(stateDir)).toBe(false);
  });

  it('prints a finished run as it ended, whatever the handlers module holds', async () => {
    const { dir, stateDir, log } = await workspace();
    const args = ['--state-dir', stateDir];
    const ran = await weft(runArgs('diamond.yaml', JSON.stringify({ log }), '--run-id', 'done-1', ...args));
    expect(ran.code, ran.stderr).toBe(0);
    const empty = join(dir, 'empty.ts');
    await writeFile(empty, 'export const nothing = 1;\n');
    for (const module of [empty, join(dir, 'missing.ts')]) {
      const resumed = await weft(['resume', 'done-1', '--handlers', module, ...args]);
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(resumed.stderr).toBe('weft: run done-1 had already finished (succeeded)\n');
      expect(JSON.parse(resumed.stdout)).toEqual(JSON.parse(ran.stdout));
    }
  });
});
