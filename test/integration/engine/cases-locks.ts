import { describe, expect, it } from 'vitest';
import type { HandlerRegistry, TaskContext, TaskEvent } from '../../../src/runtime/types.ts';
import { catalog, createBench, type Endpoints, plan, survive } from './harness.ts';

const transfer = (name: string, locks: string) =>
  plan(`workflow:
  name: ${name}
  tasks:
    - id: transfer_funds
${locks}`);

const locked = transfer('transfer', '      locks: ["account:${input.from}", "account:${input.to}"]\n');
const unlocked = transfer('transfer_unlocked', '');

interface Bank {
  readonly balances: Map<string, number>;
  readonly holding: Map<string, number>;
  /** Per account, the fencing tokens of its lock in the order the handlers saw them. */
  readonly tokens: Map<string, number[]>;
  overlaps: number;
}

const ACCOUNTS = ['a', 'b', 'c', 'd'];

function bank(): Bank {
  return {
    balances: new Map(ACCOUNTS.map((a) => [a, 1000])),
    holding: new Map(),
    tokens: new Map(),
    overlaps: 0,
  };
}

/** Reads both balances, waits 20 ms, writes both: a lost update whenever two transfers of an account overlap. */
function handlers(state: Bank): HandlerRegistry {
  return {
    transfer_funds: async (event: TaskEvent, ctx: TaskContext) => {
      const { from, to, amount } = event.input as { from: string; to: string; amount: number };
      for (const lock of ctx.locks ?? []) {
        const account = lock.key.replace('account:', '');
        state.tokens.set(account, [...(state.tokens.get(account) ?? []), lock.token]);
      }
      for (const account of [from, to]) {
        const now = (state.holding.get(account) ?? 0) + 1;
        state.holding.set(account, now);
        if (now > 1) state.overlaps += 1;
      }
      const fromBalance = state.balances.get(from) ?? 0;
      const toBalance = state.balances.get(to) ?? 0;
      await new Promise((resolve) => setTimeout(resolve, 20));
      state.balances.set(from, fromBalance - amount);
      state.balances.set(to, toBalance + amount);
      for (const account of [from, to]) state.holding.set(account, (state.holding.get(account) ?? 1) - 1);
      return { moved: amount };
    },
  };
}

/**
 * `count` transfers among 4 accounts, the same for every run of the case (a fixed pseudo-random sequence).
 */
function transfers(count: number): { from: string; to: string; amount: number }[] {
  let seed = 7;
  const next = () => {
    seed = (seed * 48271) % 2147483647;
    return seed;
  };
  return Array.from({ length: count }, () => {
    const from = ACCOUNTS[next() % 4] as string;
    const others = ACCOUNTS.filter((a) => a !== from);
    return { from, to: others[next() % 3] as string, amount: 1 + (next() % 10) };
  });
}

function expected(list: readonly { from: string; to: string; amount: number }[]): Map<string, number> {
  const balances = new Map(ACCOUNTS.map((a) => [a, 1000]));
  for (const t of list) {
    balances.set(t.from, (balances.get(t.from) ?? 0) - t.amount);
    balances.set(t.to, (balances.get(t.to) ?? 0) + t.amount);
  }
  return balances;
}

/** Pessimistic locks: transfers that share an account never overlap, whatever runs them at once. */
export function lockCases(endpoints: () => Endpoints, options: { readonly transfers?: number } = {}): void {
  // 50 as the request asks; fewer on the emulators, where each wait costs SQS's whole-second delays
  const count = options.transfers ?? 50;
  describe('locks', () => {
    const runAll = async (workflow: string) => {
      const state = bank();
      const b = await createBench(endpoints(), catalog(locked, unlocked), handlers(state));
      const runtime = b.runtime();
      const list = transfers(count);
      const ids: string[] = [];
      for (const [i, t] of list.entries()) {
        ids.push((await runtime.submit({ workflow, input: t, runId: `${workflow}-${i}` })).runId);
      }
      await b.drive(
        runtime,
        async () =>
          (await Promise.all(ids.map((id) => runtime.getRun(id)))).every((v) => v?.status === 'succeeded'),
        { concurrency: 16, timeoutMs: 120_000 },
      );
      const views = await Promise.all(ids.map((id) => runtime.getRun(id)));
      const histories = await Promise.all(ids.map((id) => runtime.history(id)));
      return { state, list, views, histories };
    };

    it(`${count} concurrent transfers among 4 accounts: with locks every balance and the total come out exact`, async () => {
      const { state, list, views, histories } = await runAll('transfer');
      expect(state.overlaps).toBe(0);
      expect(state.balances).toEqual(expected(list));
      expect([...state.balances.values()].reduce((a, b) => a + b, 0)).toBe(4000);
      // every run's history names the two locks its transfer took, the view their waits
      for (const [i, history] of histories.entries()) {
        const t = list[i] as { from: string; to: string };
        const acquired = (history ?? []).filter((e) => e.type === 'task.lockAcquired');
        expect(acquired.map((e) => e.detail?.key).sort()).toEqual(
          [`account:${t.from}`, `account:${t.to}`].sort(),
        );
        expect(views[i]?.tasks.transfer_funds?.locks?.map((l) => l.key).sort()).toEqual(
          acquired.map((e) => e.detail?.key).sort(),
        );
        expect(views[i]?.locks?.acquired).toBe(2);
      }
      // each holder of an account's lock had a greater fencing token than the one before it
      for (const account of ACCOUNTS) {
        const seen = state.tokens.get(account) ?? [];
        expect(seen.length).toBe(list.filter((t) => t.from === account || t.to === account).length);
        expect(seen.every((token, i) => i === 0 || token > (seen[i - 1] ?? 0))).toBe(true);
      }
      // with 50 transfers among 4 accounts some waited: their waits are in the history and the views
      const waited = histories.flatMap((h) => (h ?? []).filter((e) => e.type === 'task.lockWaiting'));
      expect(waited.length).toBeGreaterThan(0);
      expect(Math.max(...views.map((v) => v?.locks?.waitMaxMs ?? 0))).toBeGreaterThan(0);
    }, 150_000);

    it('the same transfers without locks lose updates (what the locks prevent)', async () => {
      const { state, list } = await runAll('transfer_unlocked');
      expect(state.overlaps).toBeGreaterThan(0);
      expect(state.balances).not.toEqual(expected(list));
    }, 150_000);

    it('a holder killed mid-attempt keeps no lock: its attempt is taken over and the waiting transfer goes after it', async () => {
      const state = bank();
      const b = await createBench(endpoints(), catalog(locked), handlers(state));
      let crashed = false;
      const doomed = b.runtime({
        owner: 'doomed',
        faults: (at, site) => {
          if (at === 'afterClaim' && site.runId === 'lock-first' && !crashed) {
            crashed = true;
            throw new Error('simulated crash holding the lock');
          }
        },
      });
      await doomed.submit({
        workflow: 'transfer',
        input: { from: 'a', to: 'b', amount: 5 },
        runId: 'lock-first',
      });
      await b.drive(doomed, async () => crashed);
      await doomed.submit({
        workflow: 'transfer',
        input: { from: 'b', to: 'c', amount: 7 },
        runId: 'lock-second',
      });
      await survive(b, ['lock-first', 'lock-second']);
      expect(state.overlaps).toBe(0);
      expect(state.balances).toEqual(
        new Map([
          ['a', 995],
          ['b', 998],
          ['c', 1007],
          ['d', 1000],
        ]),
      );
    });
  });
}
