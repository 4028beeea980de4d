import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claimStateDir } from '../../../src/local/state-dir.ts';

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
});
