import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoredEvent, TaskRecord } from '../../../src/engine/types.ts';
import { type EngineMetrics, noopMetrics } from '../../../src/runtime/metrics.ts';
import type { CasOutcome } from '../../../src/store/run-store.ts';
import { openDatabase, pragma } from '../../../src/store/sqlite-database.ts';
import { SqliteRunStore } from '../../../src/store/sqlite-run-store.ts';
import type { Plan } from '../../../src/workflow/plan.ts';
import { casMetrics } from '../../support/cas-metrics.ts';

const ev = (type: string, lamport: number): StoredEvent => ({
  type,
  lamport,
  at: '2026-01-01T00:00:00.000Z',
});
const newRun = (runId: string) => ({
  runId,
  workflow: 'w',
  planVersion: 'v1',
  input: '{"n":1}',
  inputHash: 'h',
  createdAt: 1_767_225_600_000,
  idempotencyKey: 'k',
  event: ev('run.started', 1),
});
const boom = { name: 'Boom', message: 'failed' };
const final = { now: 50, expiresAt: 9 };

let dir: string;
let file: string;
let stores: SqliteRunStore[];

function open(metrics: EngineMetrics = noopMetrics, options = {}): SqliteRunStore {
  const store = new SqliteRunStore(file, metrics, options);
  stores.push(store);
  return store;
}

function accepted<T>(outcome: CasOutcome<T>): T {
  if (!outcome.ok) throw new Error(`refused: ${JSON.stringify(outcome)}`);
  return outcome.record;
}

/** The record as a fresh read of the file gives it. */
async function stored(store: SqliteRunStore, taskId: string): Promise<TaskRecord | undefined> {
  return (await store.loadRun('r1'))?.tasks.get(taskId);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'weft-sqlite-'));
  file = join(dir, 'weft.db');
  stores = [];
});

afterEach(async () => {
  for (const store of stores) await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SqliteRunStore', () => {
  it('round-trips every task operation: what a write returns is what a read gives', async () => {
    const store = open();
    accepted(await store.createRun(newRun('r1')));
    const fence = { runId: 'r1', taskId: 'a', owner: 'w1', attempt: 1 };
    const lease = { owner: 'w1', now: 10, leaseUntil: 100 };
    const writes: [string, () => Promise<CasOutcome<TaskRecord>>][] = [
      [
        'claim',
        () =>
          store.claimTask({ runId: 'r1', taskId: 'a', ...lease, lamport: 2, depCount: 0, event: ev('c', 2) }),
      ],
      ['renew', () => store.renewLease({ ...fence, leaseUntil: 150 })],
      ['flag', () => store.flagStopping({ runId: 'r1', taskId: 'a' })],
      [
        'retry',
        () =>
          store.retryTask({ ...fence, error: boom, failures: 1, dueAt: 20, lamport: 3, event: ev('r', 3) }),
      ],
      [
        'claim again',
        () =>
          store.claimTask({
            runId: 'r1',
            taskId: 'a',
            ...lease,
            now: 20,
            lamport: 4,
            depCount: 0,
            event: ev('c', 4),
          }),
      ],
      ['release', () => store.releaseTask({ ...fence, attempt: 2, lamport: 5, event: ev('rel', 5) })],
      [
        'claim a third time',
        () =>
          store.claimTask({ runId: 'r1', taskId: 'a', ...lease, lamport: 6, depCount: 0, event: ev('c', 6) }),
      ],
      [
        'checkpoint',
        () =>
          store.checkpoint({ ...fence, attempt: 3, output: '"ok"', ...final, lamport: 7, event: ev('s', 7) }),
      ],
      [
        'dispatch',
        () => store.dispatchCompensation({ runId: 'r1', taskId: 'a', lamport: 8, event: ev('d', 8) }),
      ],
      [
        'claim compensation',
        () => store.claimCompensation({ runId: 'r1', taskId: 'a', ...lease, lamport: 9, event: ev('cc', 9) }),
      ],
      ['renew compensation', () => store.renewCompensationLease({ ...fence, leaseUntil: 160 })],
      [
        'retry compensation',
        () =>
          store.retryCompensation({
            ...fence,
            dueAt: 10,
            failures: 1,
            error: boom,
            lamport: 10,
            event: ev('rc', 10),
          }),
      ],
      [
        'claim compensation again',
        () =>
          store.claimCompensation({ runId: 'r1', taskId: 'a', ...lease, lamport: 11, event: ev('cc', 11) }),
      ],
      [
        'release compensation',
        () => store.releaseCompensation({ ...fence, attempt: 2, lamport: 12, event: ev('rl', 12) }),
      ],
      [
        'claim compensation a third time',
        () =>
          store.claimCompensation({ runId: 'r1', taskId: 'a', ...lease, lamport: 13, event: ev('cc', 13) }),
      ],
      [
        'finish compensation',
        () =>
          store.finishCompensation({
            ...fence,
            attempt: 3,
            status: 'compensated',
            ...final,
            lamport: 14,
            event: ev('fc', 14),
          }),
      ],
      ['edge', () => store.copyEdge({ runId: 'r1', from: 'a', to: 'b', output: '"ok"', lamport: 7 })],
      [
        'claim b',
        () =>
          store.claimTask({ runId: 'r1', taskId: 'b', ...lease, lamport: 8, depCount: 1, event: ev('c', 8) }),
      ],
      [
        'end b',
        () =>
          store.endTask({
            ...fence,
            taskId: 'b',
            status: 'failed',
            error: boom,
            failures: 1,
            ...final,
            lamport: 9,
            event: ev('f', 9),
          }),
      ],
      [
        'skip c',
        () => store.skipTask({ runId: 'r1', taskId: 'c', expiresAt: 9, lamport: 10, event: ev('sk', 10) }),
      ],
    ];
    for (const [name, write] of writes) {
      const record = accepted(await write());
      expect(await stored(store, record.taskId), name).toStrictEqual(record);
    }
    expect(await stored(store, 'a')).toMatchObject({
      status: 'compensated',
      compensationAttempts: 3,
      attempt: 3,
    });
  });

  it('round-trips every run operation', async () => {
    const store = open();
    const writes = [
      () => store.createRun(newRun('r1')),
      () => store.countSink({ runId: 'r1', taskId: 't', lamport: 3 }),
      () => store.countSink({ runId: 'r1', taskId: 's', lamport: 4 }),
      () => store.finishRun({ runId: 'r1', sinkCount: 2, ...final, lamport: 5, event: ev('done', 5) }),
      () => store.createRun(newRun('r2')),
      () =>
        store.countLastSink({
          runId: 'r2',
          taskId: 's',
          sinkLamport: 3,
          ...final,
          lamport: 4,
          event: ev('d', 4),
        }),
      () => store.createRun(newRun('r3')),
      () =>
        store.stopRun({
          runId: 'r3',
          cause: 'failed',
          error: { ...boom, taskId: 'a' },
          lamport: 2,
          event: ev('x', 2),
        }),
      () =>
        store.finishRollback({
          runId: 'r3',
          status: 'failed',
          rollback: 'completed',
          ...final,
          lamport: 3,
          event: ev('y', 3),
        }),
    ];
    for (const write of writes) {
      const record = accepted(await write());
      expect(await store.getRun(record.runId)).toStrictEqual(record);
      expect((await store.loadRun(record.runId))?.run).toStrictEqual(record);
    }
    expect((await store.getRun('r1'))?.sinksDone).toStrictEqual(['s', 't']);
  });

  it('answers a refused write with the current record and counts the conflict', async () => {
    const { metrics, seen } = casMetrics();
    const store = open(metrics);
    const claim = {
      runId: 'r1',
      taskId: 'a',
      owner: 'w1',
      now: 10,
      leaseUntil: 100,
      lamport: 2,
      depCount: 0,
    };
    const current = accepted(await store.claimTask({ ...claim, event: ev('c', 2) }));
    const stale = { runId: 'r1', taskId: 'a', owner: 'w1', attempt: 0, output: '1', ...final, lamport: 3 };
    expect(await store.checkpoint({ ...stale, event: ev('s', 3) })).toStrictEqual({ ok: false, current });
    expect(seen).toStrictEqual(['attempt:claim', 'attempt:checkpoint', 'conflict:checkpoint']);
  });

  it('refuses a write to a record that does not exist without a current record', async () => {
    const store = open();
    expect(await store.flagStopping({ runId: 'r1', taskId: 'a' })).toStrictEqual({ ok: false });
    expect(await store.loadRun('r1')).toBeUndefined();
  });

  it('refuses to create a run twice and returns the existing one', async () => {
    const store = open();
    const first = accepted(await store.createRun(newRun('r1')));
    expect(await store.createRun({ ...newRun('r1'), input: '2' })).toStrictEqual({
      ok: false,
      current: first,
    });
  });

  it('lists only the runs that are not final as active', async () => {
    const store = open();
    for (const id of ['r1', 'r2', 'r3']) await store.createRun(newRun(id));
    await store.stopRun({ runId: 'r2', cause: 'cancelled', error: boom, lamport: 2, event: ev('s', 2) });
    await store.countLastSink({
      runId: 'r3',
      taskId: 's',
      sinkLamport: 2,
      ...final,
      lamport: 3,
      event: ev('d', 3),
    });
    expect((await store.activeRuns({ limit: 10 })).runIds).toStrictEqual(['r1', 'r2']);
    await store.finishRollback({
      runId: 'r2',
      status: 'cancelled',
      rollback: 'none',
      ...final,
      lamport: 3,
      event: ev('e', 3),
    });
    expect(await store.activeRuns({ limit: 10 })).toStrictEqual({ runIds: ['r1'] });
  });

  it('lists the active runs a page at a time, each page resuming after the last', async () => {
    const store = open();
    for (const id of ['r3', 'r1', 'r4', 'r2', 'r5']) await store.createRun(newRun(id));
    const first = await store.activeRuns({ limit: 2 });
    expect(first).toStrictEqual({ runIds: ['r1', 'r2'], next: 'r2' });
    const second = await store.activeRuns({ limit: 2, after: first.next });
    expect(second).toStrictEqual({ runIds: ['r3', 'r4'], next: 'r4' });
    expect(await store.activeRuns({ limit: 2, after: second.next })).toStrictEqual({ runIds: ['r5'] });
  });

  it('stores a plan version once and loads it by name and version', async () => {
    const store = open();
    const plan = { name: 'w', version: 'v1', tasks: {} } as unknown as Plan;
    await store.savePlan(plan);
    await store.savePlan({ ...plan, tasks: { changed: {} } } as unknown as Plan);
    expect(await store.loadPlan('w', 'v1')).toStrictEqual(plan);
    expect(await store.loadPlan('w', 'v2')).toBeUndefined();
  });

  it('shares one file between stores: each sees the other’s writes and learns that there were some', async () => {
    const one = open();
    const other = open();
    await one.createRun(newRun('r1'));
    expect(other.changedElsewhere()).toBe(true);
    expect(other.changedElsewhere()).toBe(false);
    expect(await other.createRun(newRun('r1'))).toMatchObject({ ok: false });
    await other.copyEdge({ runId: 'r1', from: 'a', to: 'b', output: '1', lamport: 2 });
    expect((await one.loadRun('r1'))?.tasks.get('b')?.depsDone).toStrictEqual(['a']);
    expect(other.changedElsewhere()).toBe(false);
  });

  it('opens the file in WAL mode with synchronous NORMAL by default', () => {
    const db = openDatabase(file);
    stores.push(new SqliteRunStore(db, noopMetrics));
    expect(pragma(db, 'journal_mode')).toBe('wal');
    expect(pragma(db, 'synchronous')).toBe(1);
    expect(pragma(db, 'busy_timeout')).toBe(5000);
  });

  it('sets synchronous FULL when asked', () => {
    const db = openDatabase(file);
    stores.push(new SqliteRunStore(db, noopMetrics, { synchronous: 'full' }));
    expect(pragma(db, 'synchronous')).toBe(2);
  });

  it('rejects an unknown synchronous level', () => {
    expect(() => open(noopMetrics, { synchronous: 'off' })).toThrow(/synchronous must be 'normal' or 'full'/);
  });

  it('rejects a file laid out by another version', async () => {
    const db = openDatabase(file);
    db.exec('PRAGMA user_version = 99');
    db.close();
    expect(() => open()).toThrow(/layout version 99/);
  });

  it('keeps node:sqlite’s ExperimentalWarning quiet and every other warning audible', () => {
    const script = [
      "const { loadSqlite } = await import('./src/store/sqlite-database.ts');",
      'loadSqlite();',
      "process.emitWarning('another feature', 'ExperimentalWarning');",
    ].join('\n');
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: join(import.meta.dirname, '../../..'),
      encoding: 'utf8',
    });
    expect(child.status).toBe(0);
    expect(child.stderr).toContain('another feature');
    expect(child.stderr).not.toContain('SQLite');
  });
});
