import { describe, expect, it } from 'vitest';
import { eventTime, MAX_TIMER_MS, ratePeriodMs, startLocalSchedules } from '../../../src/dev/schedules.ts';
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
  it('fires rate schedules on their period with a fresh event id, and stops', async () => {
    const plans = [chainPlan('nightly', ['sweep'], { schedules: ['rate(5 minutes)'] })];
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
    expect(lines).toEqual([]);
    timers[0]?.fire();
    timers[0]?.fire();
    await new Promise((resolve) => setImmediate(resolve));
    expect(runtime.submissions).toHaveLength(2);
    expect(runtime.submissions[0]).toMatchObject({
      workflow: 'nightly',
      input: { schedule: 'rate(5 minutes)', time: '2026-11-27T02:00:00Z' },
    });
    expect(runtime.submissions[0]?.idempotencyKey).not.toBe(runtime.submissions[1]?.idempotencyKey);
    expect(
      lines.filter((line) => line.startsWith('schedule rate(5 minutes) started nightly run')),
    ).toHaveLength(2);
    stop();
    expect(timers[0]?.stopped).toBe(true);
  });
});

/** A clock whose one-shot timers fire only when the test moves time on. */
class FakeClock {
  private current: number;
  private readonly timers: { due: number; fire: () => void; cancelled: boolean }[] = [];

  constructor(start: string) {
    this.current = Date.parse(start);
  }

  readonly now = (): Date => new Date(this.current);

  readonly after = (ms: number, fire: () => void): (() => void) => {
    expect(ms).toBeGreaterThanOrEqual(0);
    expect(ms).toBeLessThanOrEqual(MAX_TIMER_MS);
    const timer = { due: this.current + ms, fire, cancelled: false };
    this.timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  };

  /** Moves time on by `ms`, firing each timer that falls due on the way, in order. */
  advance(ms: number): void {
    const end = this.current + ms;
    for (;;) {
      const due = this.pending()
        .filter((timer) => timer.due <= end)
        .sort((a, b) => a.due - b.due)[0];
      if (due === undefined) break;
      this.current = Math.max(this.current, due.due);
      due.cancelled = true;
      due.fire();
    }
    this.current = end;
  }

  /** Jumps ahead without firing anything, as a laptop asleep does; the next advance fires what is late. */
  sleep(ms: number): void {
    this.current += ms;
  }

  pending(): { due: number; fire: () => void; cancelled: boolean }[] {
    return this.timers.filter((timer) => !timer.cancelled);
  }
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

function cronSetup(schedules: string[], start: string) {
  const plans = [chainPlan('nightly', ['sweep'], { schedules })];
  const runtime = new FakeRuntime(catalogOf(plans));
  const clock = new FakeClock(start);
  const lines: string[] = [];
  const stop = startLocalSchedules({
    plans,
    trigger: createTriggerHandler({ runtime, plans: catalogOf(plans) }),
    report: (line) => lines.push(line),
    every: () => {
      throw new Error('no rate schedule here');
    },
    after: clock.after,
    now: clock.now,
  });
  return { runtime, clock, lines, stop };
}

describe('startLocalSchedules: cron', () => {
  it('fires a cron schedule at each time it names, with the scheduled event, and stops', async () => {
    const { runtime, clock, lines, stop } = cronSetup(['cron(0 2 * * ? *)'], '2026-11-27T01:59:30Z');
    expect(lines).toEqual(['schedule cron(0 2 * * ? *) of nightly fires next at 2026-11-27T02:00:00Z']);
    clock.advance(29_000);
    await settle();
    expect(runtime.submissions).toHaveLength(0);
    clock.advance(1_000);
    await settle();
    expect(runtime.submissions).toHaveLength(1);
    expect(runtime.submissions[0]).toMatchObject({
      workflow: 'nightly',
      input: { schedule: 'cron(0 2 * * ? *)', time: '2026-11-27T02:00:00Z' },
    });
    clock.advance(86_400_000);
    await settle();
    expect(runtime.submissions.map((submission) => submission.input)).toEqual([
      { schedule: 'cron(0 2 * * ? *)', time: '2026-11-27T02:00:00Z' },
      { schedule: 'cron(0 2 * * ? *)', time: '2026-11-28T02:00:00Z' },
    ]);
    expect(runtime.submissions[0]?.idempotencyKey).not.toBe(runtime.submissions[1]?.idempotencyKey);
    expect(
      lines.filter((line) => line.startsWith('schedule cron(0 2 * * ? *) started nightly run')),
    ).toHaveLength(2);
    stop();
    expect(clock.pending()).toHaveLength(0);
    clock.advance(86_400_000);
    await settle();
    expect(runtime.submissions).toHaveLength(2);
  });

  it('waits in steps for a firing further away than a timer can wait', async () => {
    const { runtime, clock, lines } = cronSetup(['cron(0 0 1 1 ? *)'], '2026-11-27T12:00:00Z');
    expect(lines).toEqual(['schedule cron(0 0 1 1 ? *) of nightly fires next at 2027-01-01T00:00:00Z']);
    clock.advance(MAX_TIMER_MS);
    await settle();
    expect(runtime.submissions).toHaveLength(0);
    expect(clock.pending()).toHaveLength(1);
    clock.advance(Date.parse('2027-01-01T00:00:00Z') - clock.now().getTime());
    await settle();
    expect(runtime.submissions.map((submission) => submission.input)).toEqual([
      { schedule: 'cron(0 0 1 1 ? *)', time: '2027-01-01T00:00:00Z' },
    ]);
  });

  it('delivers a firing missed while asleep once, then goes on from the present', async () => {
    const { runtime, clock } = cronSetup(['cron(0/30 * * * ? *)'], '2026-11-27T10:10:00Z');
    clock.sleep(3 * 3_600_000);
    clock.advance(0);
    await settle();
    expect(runtime.submissions.map((submission) => submission.input)).toEqual([
      { schedule: 'cron(0/30 * * * ? *)', time: '2026-11-27T10:30:00Z' },
    ]);
    clock.advance(20 * 60_000);
    await settle();
    expect(runtime.submissions.map((submission) => (submission.input as { time: string }).time)).toEqual([
      '2026-11-27T10:30:00Z',
      '2026-11-27T13:30:00Z',
    ]);
  });

  it('says so, and waits for nothing, when a schedule never fires again', () => {
    const { clock, lines } = cronSetup(['cron(0 0 1 1 ? 2020)'], '2026-11-27T12:00:00Z');
    expect(lines).toEqual(['schedule cron(0 0 1 1 ? 2020) of nightly never fires again']);
    expect(clock.pending()).toHaveLength(0);
  });
});

describe('eventTime', () => {
  it('drops the milliseconds, as EventBridge writes times', () => {
    expect(eventTime(new Date('2026-11-27T02:00:00.123Z'))).toBe('2026-11-27T02:00:00Z');
  });
});
