import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claimStateDir } from '../../../src/local/state-dir.ts';
import { StateDirError } from '../../../src/local/state-dir-errors.ts';

const endpoints = {
  dynamodbEndpoint: 'http://127.0.0.1:1',
  sqsEndpoint: 'http://127.0.0.1:2',
  tableName: 'weft',
  queueUrl: 'http://127.0.0.1:2/000000000000/weft-tasks',
  startedAt: '2026-01-01T00:00:00.000Z',
};

describe('claimStateDir', () => {
  let dir: string;
  beforeEach(async () => {
    dir = join(await mkdtemp(join(tmpdir(), 'weft-state-')), 'nested');
  });
  afterEach(async () => {
    await rm(join(dir, '..'), { recursive: true, force: true });
  });

  it('creates the state dir and owns it when nobody holds it', async () => {
    const claim = await claimStateDir(dir);
    expect(claim.kind).toBe('owned');
    expect(JSON.parse(await readFile(join(dir, 'stack.json'), 'utf8'))).toEqual({ pid: process.pid });
  });

  it('finds the live stack once its owner has published the endpoints', async () => {
    const claim = await claimStateDir(dir);
    if (claim.kind !== 'owned') throw new Error('expected to own the state dir');
    await claim.publish(endpoints);
    const second = await claimStateDir(dir);
    expect(second).toEqual({ kind: 'live', record: { pid: process.pid, ...endpoints } });
  });

  it('takes over the lock of a process that was killed', async () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    const first = await claimStateDir(dir);
    if (first.kind !== 'owned') throw new Error('expected to own the state dir');
    await writeFile(join(dir, 'stack.json'), JSON.stringify({ pid: dead, ...endpoints }));
    expect((await claimStateDir(dir)).kind).toBe('owned');
  });

  it('releases only its own lock', async () => {
    const claim = await claimStateDir(dir);
    if (claim.kind !== 'owned') throw new Error('expected to own the state dir');
    await claim.release();
    expect((await claimStateDir(dir)).kind).toBe('owned');
  });

  it('fails clearly when the holder never publishes its endpoints', async () => {
    await claimStateDir(dir);
    await expect(claimStateDir(dir, 100)).rejects.toThrow(
      `state dir '${dir}' is held by process ${process.pid}, which has not started its stack`,
    );
  });

  /** Leaves a `stack.json` as a killed process or a stray editor would, written a minute ago. */
  async function leftover(text: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    const file = join(dir, 'stack.json');
    await writeFile(file, text);
    const minuteAgo = new Date(Date.now() - 60_000);
    await utimes(file, minuteAgo, minuteAgo);
  }

  it.each([
    ['empty', ''],
    ['cut short', '{"pid": 12'],
    ['without a pid', '{"hello": "world"}'],
    ['naming a process group as its pid', '{"pid": 0}'],
  ])('takes over a leftover stack.json that is %s at once', async (_kind, text) => {
    await leftover(text);
    const started = Date.now();
    const claim = await claimStateDir(dir, 10_000);
    expect(claim.kind).toBe('owned');
    expect(Date.now() - started).toBeLessThan(500);
    expect(JSON.parse(await readFile(join(dir, 'stack.json'), 'utf8'))).toEqual({ pid: process.pid });
  });

  it('waits a moment for a stack.json being written this instant, then takes it over', async () => {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'stack.json'), '');
    const started = Date.now();
    expect((await claimStateDir(dir, 10_000)).kind).toBe('owned');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('explains a stack.json that is a directory', async () => {
    await mkdir(join(dir, 'stack.json'), { recursive: true });
    const error = await claimStateDir(dir, 100).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StateDirError);
    expect((error as StateDirError).message).toContain(`'${join(dir, 'stack.json')}' is a directory`);
  });

  it('explains a full disk when publishing the endpoints', async () => {
    const claim = await claimStateDir(dir);
    if (claim.kind !== 'owned') throw new Error('expected to own the state dir');
    // the record is written beside stack.json first: here that file is the device that is always full
    await symlink('/dev/full', join(dir, `stack.json.${process.pid}.tmp`));
    const error = await claim.publish(endpoints).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'stateDir.diskFull' });
    expect((error as Error).message).toContain(
      `no space left on the disk holding '${join(dir, 'stack.json')}`,
    );
  });
});
