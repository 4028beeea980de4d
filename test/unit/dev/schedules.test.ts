import { describe, expect, it } from 'vitest';
import { ratePeriodMs, startLocalSchedules } from '../../../src/dev/schedules.ts';
import { createTriggerHandler } from '../../../src/triggers/index.ts';
import { catalogOf, chainPlan, FakeRuntime } from '../../support/fake-runtime.ts';

describe('ratePeriodMs', () => {
  it.each([
    ['rate(1 minute)', 60_000],
    ['rate(5 minutes)', 300_000],
    ['rate(2 hours)', 7_200_000],
    ['rate(1 day)', 86_400_000],
    ['cron(0 12 * * ? *)', undefined],
  ])('%s -> %s', (expression, ms) => {
    expect(ratePeriodMs(expression)).toBe(ms);
  });
});

describe('startLocalSchedules', () => {
  it('fires rate schedules on their period with a fresh event id, lists cron ones, and stops', async () => {
    const plans = [chainPlan('nightly', ['sweep'], { schedules: ['rate(5 minutes)', 'cron(0 2 * * ? *)'] })];
    const runtime = new FakeRuntime(catalogOf(plans));
    const timers: { ms: number; fire: () => void; stopped: boolean }[] = [];
    const lines: string[] = [];
    const stop = startLocalSchedules({
      plans,
      trigger: createTriggerHandler({ runtime, plans: catalogOf(plans) }),
      report: (line) => lines.push(line),
      every: (ms, fire) => {
        const timer = { ms, fire, stopped: false };
        timers.push(timer);
        return () => {
          timer.stopped = true;
        };
      },
      now: () => new Date('2026-11-27T02:00:00.000Z'),
    });
    expect(timers.map((timer) => timer.ms)).toEqual([300_000]);
    expect(lines).toEqual([
      'schedule cron(0 2 * * ? *) of nightly is not fired by weft dev; POST /events fires it',
    ]);
    timers[0]?.fire();
    timers[0]?.fire();
    await new Promise((resolve) => setImmediate(resolve));
    expect(runtime.submissions).toHaveLength(2);
    expect(runtime.submissions[0]).toMatchObject({
      workflow: 'nightly',
      input: { schedule: 'rate(5 minutes)', time: '2026-11-27T02:00:00.000Z' },
    });
    expect(runtime.submissions[0]?.idempotencyKey).not.toBe(runtime.submissions[1]?.idempotencyKey);
    expect(
      lines.filter((line) => line.startsWith('schedule rate(5 minutes) started nightly run')),
    ).toHaveLength(2);
    stop();
    expect(timers[0]?.stopped).toBe(true);
  });
});
