import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDynalite } from '../../../src/local/emulators.ts';
import { openSqliteBackend, sqliteFile } from '../../../src/local/sqlite-backend.ts';
import { explainFailure, explainStoreFailures, StateDirError } from '../../../src/local/state-dir-errors.ts';
import { noopMetrics } from '../../../src/runtime/index.ts';
import { openDatabase } from '../../../src/store/sqlite-database.ts';
import { SqliteRunStore } from '../../../src/store/sqlite-run-store.ts';
import { chainPlan } from '../../support/fake-runtime.ts';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'weft-state-errors-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const open = (stateDir: string) => openSqliteBackend({ stateDir, plans: [], handlers: {} });

/** The one-line error a state dir problem gives: its code, and a message naming the path. */
async function failure(promise: Promise<unknown>): Promise<StateDirError> {
  const error = await promise.then(
    () => expect.fail('expected a StateDirError'),
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(StateDirError);
  const { message } = error as StateDirError;
  expect(message).not.toContain('\n');
  return error as StateDirError;
}

describe('state dir failures name the path and the fix', () => {
  it('a --state-dir that is a file', async () => {
    const file = join(root, 'state');
    await writeFile(file, 'not a directory');
    const error = await failure(open(file));
    expect(error.code).toBe('stateDir.notADirectory');
    expect(error.message).toContain(`'${file}' is a file`);
    expect(error.message).toContain('--state-dir');
  });

  it('a --state-dir below a file', async () => {
    await writeFile(join(root, 'file'), '');
    const error = await failure(open(join(root, 'file', 'state')));
    expect(error.code).toBe('stateDir.notADirectory');
    expect(error.message).toContain('part of its path is a file');
  });

  it('a weft.db that is not a database', async () => {
    const dir = join(root, 'state');
    await mkdir(dir);
    await writeFile(sqliteFile(dir), Buffer.alloc(8192, 0x5a));
    const error = await failure(open(dir));
    expect(error).toMatchObject({ code: 'stateDir.corrupt', path: sqliteFile(dir) });
    expect(error.message).toContain(
      `'${sqliteFile(dir)}' is damaged or is not weft's (file is not a database)`,
    );
    expect(error.message).toContain('move it away');
  });

  it('a weft.db laid out by another version of weft', async () => {
    const dir = join(root, 'state');
    await mkdir(dir);
    const db = openDatabase(sqliteFile(dir));
    db.exec('PRAGMA user_version = 7');
    db.close();
    const error = await failure(open(dir));
    expect(error.code).toBe('stateDir.corrupt');
    expect(error.message).toContain(`'${sqliteFile(dir)}': the SQLite database has layout version 7`);
  });

  it('a damaged LevelDB database of the emulators', async () => {
    const path = join(root, 'dynamodb');
    await (await startDynalite({ path })).close();
    await writeFile(join(path, 'CURRENT'), 'garbage');
    const error = await failure(startDynalite({ path }));
    expect(error.code).toBe('stateDir.corrupt');
    expect(error.message).toContain(`'${path}' is damaged or is not weft's (Corruption:`);
  });

  it('a full disk, as the file system reports it', async () => {
    const error = await failure(explainFailure('/dev/full', () => writeFile('/dev/full', 'x')));
    expect(error.code).toBe('stateDir.diskFull');
    expect(error.message).toContain("no space left on the disk holding '/dev/full': free some space");
  });

  it('a full disk while a run is stored, as SQLite reports it', async () => {
    const file = join(root, 'weft.db');
    const db = openDatabase(file);
    const store = explainStoreFailures(new SqliteRunStore(db, noopMetrics), file);
    db.exec('PRAGMA max_page_count = 8'); // the file may not grow past 8 pages: SQLite's "disk is full"
    const plan = { ...chainPlan('big', ['a']), description: 'x'.repeat(100_000) };
    const error = await failure(store.savePlan(plan));
    expect(error).toMatchObject({ code: 'stateDir.diskFull', path: file });
    db.close();
  });

  it('passes other failures through untouched', async () => {
    const bug = new TypeError('a bug of weft');
    await expect(explainFailure('x', () => Promise.reject(bug))).rejects.toBe(bug);
  });
});
