/**
 * `npm run bench -- locks [--backend sqlite|emulators] [--runs N] [--transfers N] [--workers N]`: what a
 * pessimistic lock (`locks:`) costs, in one process run.
 * - uncontended: N runs one after another of a one-task workflow, with two locks no other run takes, and
 *   the same without locks: the added milliseconds per attempt (take two locks, give them back) and the
 *   added conditional writes per attempt.
 * - contended: N transfers at once among 4 accounts (two locks each, a 20 ms read-wait-write handler): the
 *   lock wait (p50, p99, max) from the runs' `task.lockAcquired` entries, the wall time against the
 *   serial floor, and whether every balance came out exact.
 * Prints the figures and the load they ran under; writes bench/results/locks-<backend>.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { Json, TaskEvent } from '../src/runtime/types.ts';
import { loadPlan } from '../src/workflow/index.ts';
import { integerOption, parseBenchOptions } from './options.ts';
import {
  startEmulatorsWide,
  startSqliteWide,
  type WideStack,
  type WideStackOptions,
} from './wide-backends.ts';

const USAGE = `usage: npm run bench -- locks [--backend sqlite|emulators] [--runs N] [--transfers N] [--workers N]
  --backend    sqlite (default: the embedded store) or emulators (dynalite + fauxqs)
  --runs       uncontended runs, one after another, with and without locks (default 200)
  --transfers  contended transfers at once among 4 accounts (default 200)
  --workers    messages handled at once (default 16)`;

const ACCOUNTS = ['a', 'b', 'c', 'd'];

function transferPlan(name: string, locks: boolean) {
  return loadPlan(
    [
      'workflow:',
      `  name: ${name}`,
      '  tasks:',
      '    - id: transfer',
      ...(locks ? ['      locks: ["account:${input.from}", "account:${input.to}"]'] : []),
      '',
    ].join('\n'),
    `${name}.yaml`,
  );
}

async function stackFor(backend: string, options: WideStackOptions): Promise<WideStack> {
  return backend === 'sqlite' ? startSqliteWide(options) : startEmulatorsWide(options);
}

function totalWrites(stack: WideStack): number {
  return [...stack.tally.writes.values()].reduce((a, b) => a + b, 0);
}

/** Mean ms per run and conditional writes per run, runs one after another. */
async function sequential(backend: string, locks: boolean, runs: number, workers: number) {
  const plan = transferPlan(locks ? 'locked' : 'unlocked', locks);
  const stack = await stackFor(backend, {
    plan,
    handlers: { transfer: () => ({ ok: true }) },
    workers,
    recovery: {},
  });
  try {
    let finish: () => void = () => {};
    stack.tally.finished = () => finish();
    const started = performance.now();
    for (let i = 0; i < runs; i += 1) {
      const done = new Promise<void>((resolve) => {
        finish = resolve;
      });
      // accounts no other run takes: every lock is free
      await stack.runtime.submit({ workflow: plan.name, input: { from: `x${i}`, to: `y${i}` } });
      await done;
    }
    const ms = performance.now() - started;
    return { msPerRun: ms / runs, writesPerRun: totalWrites(stack) / runs };
  } finally {
    await stack.close();
  }
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil(sorted.length * p) - 1)] ?? 0;
}

async function contended(backend: string, transfers: number, workers: number) {
  const plan = transferPlan('transfer', true);
  const balances = new Map(ACCOUNTS.map((a) => [a, 1000]));
  const handlers = {
    transfer: async (event: TaskEvent) => {
      const { from, to, amount } = event.input as { from: string; to: string; amount: number };
      const fromBalance = balances.get(from) ?? 0;
      const toBalance = balances.get(to) ?? 0;
      await new Promise((resolve) => setTimeout(resolve, 20));
      balances.set(from, fromBalance - amount);
      balances.set(to, toBalance + amount);
      return { moved: amount } as Json;
    },
  };
  const stack = await stackFor(backend, { plan, handlers, workers, recovery: {} });
  try {
    let finished = 0;
    const done = new Promise<void>((resolve) => {
      stack.tally.finished = () => {
        finished += 1;
        if (finished === transfers) resolve();
      };
    });
    const expected = new Map(balances);
    const ids: string[] = [];
    const started = performance.now();
    for (let i = 0; i < transfers; i += 1) {
      const from = ACCOUNTS[i % 4] as string;
      const to = ACCOUNTS[(i + 1 + (i % 3)) % 4] as string;
      const amount = 1 + (i % 10);
      expected.set(from, (expected.get(from) ?? 0) - amount);
      expected.set(to, (expected.get(to) ?? 0) + amount);
      ids.push((await stack.runtime.submit({ workflow: plan.name, input: { from, to, amount } })).runId);
    }
    await done;
    const wallMs = performance.now() - started;
    const waits: number[] = [];
    for (const id of ids) {
      const view = await stack.runtime.getRun(id);
      for (const lock of view?.tasks.transfer?.locks ?? []) waits.push(lock.waitedMs);
    }
    waits.sort((a, b) => a - b);
    const exact = ACCOUNTS.every((a) => balances.get(a) === expected.get(a));
    return {
      wallMs: Math.round(wallMs),
      // two transfers at most can run at once among 4 accounts (each takes two of them)
      serialFloorMs: Math.round((transfers * 20) / 2),
      locksTaken: waits.length,
      waitP50Ms: percentile(waits, 0.5),
      waitP99Ms: percentile(waits, 0.99),
      waitMaxMs: waits.at(-1) ?? 0,
      writesPerTransfer: Number((totalWrites(stack) / transfers).toFixed(2)),
      exact,
    };
  } finally {
    await stack.close();
  }
}

export async function run(args: readonly string[]): Promise<void> {
  const values = parseBenchOptions(
    args,
    {
      backend: { type: 'string' },
      runs: { type: 'string' },
      transfers: { type: 'string' },
      workers: { type: 'string' },
    },
    USAGE,
  );
  const backend = values.backend ?? 'sqlite';
  if (backend !== 'sqlite' && backend !== 'emulators')
    throw new Error(`--backend sqlite|emulators\n${USAGE}`);
  const runs = integerOption('runs', values.runs, 200, 1, USAGE);
  const transfers = integerOption('transfers', values.transfers, 200, 1, USAGE);
  const workers = integerOption('workers', values.workers, 16, 1, USAGE);
  const loadBefore = loadavg().map((n) => n.toFixed(2));
  const without = await sequential(backend, false, runs, workers);
  const withLocks = await sequential(backend, true, runs, workers);
  const busy = await contended(backend, transfers, workers);
  const figures = {
    backend,
    uncontended: {
      runs,
      msPerRunWithout: Number(without.msPerRun.toFixed(2)),
      msPerRunWith: Number(withLocks.msPerRun.toFixed(2)),
      addedMsPerLock: Number(((withLocks.msPerRun - without.msPerRun) / 2).toFixed(2)),
      addedWritesPerLock: Number(((withLocks.writesPerRun - without.writesPerRun) / 2).toFixed(2)),
    },
    contended: { transfers, workers, ...busy },
    load: { before: loadBefore, after: loadavg().map((n) => n.toFixed(2)) },
    cpus: cpus().length,
    node: process.version,
  };
  const u = figures.uncontended;
  process.stdout.write(
    [
      `locks, ${backend}:`,
      `  uncontended (${runs} runs one after another, 2 free locks each): ${u.msPerRunWith} ms per run with locks, ${u.msPerRunWithout} without: +${u.addedMsPerLock} ms and +${u.addedWritesPerLock} conditional writes per lock (take + give back)`,
      `  contended (${transfers} transfers at once among 4 accounts, 20 ms handler, ${workers} workers): ${busy.wallMs} ms (serial floor ${busy.serialFloorMs} ms); lock wait p50 ${busy.waitP50Ms} ms, p99 ${busy.waitP99Ms} ms, max ${busy.waitMaxMs} ms over ${busy.locksTaken} locks; ${busy.writesPerTransfer} conditional writes per transfer; balances ${busy.exact ? 'exact' : 'WRONG'}`,
      `  load average ${loadBefore.join(' ')} before, ${figures.load.after.join(' ')} after (${figures.cpus} cores), ${process.version}`,
      '',
    ].join('\n'),
  );
  await mkdir(join(import.meta.dirname, 'results'), { recursive: true });
  await writeFile(
    join(import.meta.dirname, 'results', `locks-${backend}.json`),
    `${JSON.stringify(figures, null, 2)}\n`,
  );
}
