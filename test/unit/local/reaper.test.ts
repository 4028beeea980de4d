import { describe, expect, it } from 'vitest';
import { startReaper } from '../../../src/local/reaper.ts';
import type { RecoverOptions, RecoveryReport } from '../../../src/runtime/types.ts';

const report = (next?: string): RecoveryReport => ({
  runs: 1,
  redispatched: 0,
  expiredLeases: 0,
  finalised: 0,
  ...(next === undefined ? {} : { next }),
});

/** A runtime whose passes answer `pages` in turn (then the last one forever), recording what each got. */
function pager(pages: (string | undefined)[]) {
  const calls: RecoverOptions[] = [];
  return {
    calls,
    runtime: {
      recover: async (options: RecoverOptions = {}) => {
        calls.push(options);
        return report(pages[Math.min(calls.length - 1, pages.length - 1)]);
      },
    },
  };
}

const until = async (check: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !check(); i += 1) await new Promise((resolve) => setTimeout(resolve, 5));
};

describe('startReaper', () => {
  it('goes on at once from where a bounded pass stopped, then waits the interval', async () => {
    const { calls, runtime } = pager(['p1', 'p2', undefined]);
    const reaper = startReaper(runtime, 60_000, () => {});
    await until(() => calls.length >= 3);
    await new Promise((resolve) => setTimeout(resolve, 30));
    await reaper.stop();
    expect(calls).toEqual([{}, { after: 'p1' }, { after: 'p2' }]);
  });

  it('presumes every dispatch lost until its first sweep is over, when the queue started empty', async () => {
    const { calls, runtime } = pager(['p1', undefined]);
    const reaper = startReaper(runtime, 10, () => {}, { queueStartedEmpty: true });
    await until(() => calls.length >= 3);
    await reaper.stop();
    expect(calls.slice(0, 3)).toEqual([
      { queueStartedEmpty: true },
      { after: 'p1', queueStartedEmpty: true },
      {},
    ]);
  });

  it('starts the listing over at the interval after a failed pass', async () => {
    const calls: RecoverOptions[] = [];
    const errors: unknown[] = [];
    const runtime = {
      recover: async (options: RecoverOptions = {}) => {
        calls.push(options);
        if (calls.length === 2) throw new Error('store down');
        return report('p1');
      },
    };
    const reaper = startReaper(runtime, 10, (error) => errors.push(error));
    await until(() => calls.length >= 3);
    await reaper.stop();
    expect(calls.slice(0, 3)).toEqual([{}, { after: 'p1' }, {}]);
    expect(errors).toHaveLength(1);
  });
});
