import { describe, expect, it } from 'vitest';
import { runAttempt } from '../../../src/runtime/attempt.ts';

const never = new AbortController().signal;

describe('runAttempt', () => {
  it('returns the handler result', async () => {
    const outcome = await runAttempt({ run: () => 42, renew: async () => true, shutdown: never });
    expect(outcome).toEqual({ kind: 'returned', value: 42 });
  });

  it('reports a throw with its name and message', async () => {
    const outcome = await runAttempt({
      run: () => {
        throw new RangeError('bad');
      },
      renew: async () => true,
      shutdown: never,
    });
    expect(outcome).toEqual({ kind: 'threw', error: { name: 'RangeError', message: 'bad' } });
  });

  it('times out and aborts the signal', async () => {
    let signal: AbortSignal | undefined;
    const outcome = await runAttempt({
      run: (s) => {
        signal = s;
        return new Promise(() => {});
      },
      timeoutMs: 20,
      renew: async () => true,
      shutdown: never,
    });
    expect(outcome).toEqual({ kind: 'timedOut' });
    expect(signal?.aborted).toBe(true);
  });

  it('gives up and aborts when a heartbeat finds the lease lost', async () => {
    let signal: AbortSignal | undefined;
    const outcome = await runAttempt({
      run: async (s, heartbeat) => {
        signal = s;
        await heartbeat();
        return 'late';
      },
      renew: async () => false,
      shutdown: never,
    });
    expect(outcome).toEqual({ kind: 'leaseLost' });
    expect(signal?.aborted).toBe(true);
  });

  it('abandons the attempt on shutdown', async () => {
    const controller = new AbortController();
    const pending = runAttempt({
      run: () => new Promise(() => {}),
      renew: async () => true,
      shutdown: controller.signal,
    });
    controller.abort();
    expect(await pending).toEqual({ kind: 'shutdown' });
  });

  it("renews the lease on the handler's behalf when asked to", async () => {
    let renewals = 0;
    const outcome = await runAttempt({
      run: () => new Promise((resolve) => setTimeout(() => resolve('done'), 120)),
      renew: async () => {
        renewals += 1;
        return true;
      },
      autoRenewMs: 20,
      shutdown: never,
    });
    expect(outcome).toEqual({ kind: 'returned', value: 'done' });
    expect(renewals).toBeGreaterThan(0);
  });

  it('stops a long attempt whose automatic renewal is refused', async () => {
    const outcome = await runAttempt({
      run: () => new Promise(() => {}),
      renew: async () => false,
      autoRenewMs: 10,
      shutdown: never,
    });
    expect(outcome).toEqual({ kind: 'leaseLost' });
  });
});
