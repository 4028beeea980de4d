import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cronMatches, cronSchedule, nextFireTime } from '../../../src/triggers/cron.ts';
import type { CronSchedule } from '../../../src/workflow/cron.ts';
import { scheduleProblem } from '../../../src/workflow/schedule.ts';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** A plain field: `*`, a value, a range (wrapping when reversed), a step, or a list. */
function plainField(min: number, max: number, names?: readonly string[]): fc.Arbitrary<string> {
  const value = fc
    .tuple(fc.integer({ min, max }), fc.boolean())
    .map(([n, named]) => (named && names ? (names[n - 1] ?? String(n)) : String(n)));
  return fc.oneof(
    fc.constant('*'),
    value,
    fc.tuple(value, value).map(([a, b]) => `${a}-${b}`),
    fc.tuple(value, fc.integer({ min: 1, max: max - min + 1 })).map(([a, step]) => `${a}/${step}`),
    fc.tuple(value, value, fc.integer({ min: 1, max: 5 })).map(([a, b, step]) => `${a}-${b}/${step}`),
    fc.integer({ min: 1, max: max - min }).map((step) => `*/${step}`),
    fc.array(value, { minLength: 2, maxLength: 4 }).map((values) => values.join(',')),
  );
}

const year = fc.oneof(
  fc.constant('*'),
  fc.integer({ min: 2025, max: 2031 }).map(String),
  fc
    .tuple(fc.integer({ min: 2025, max: 2031 }), fc.integer({ min: 0, max: 4 }))
    .map(([from, span]) => `${from}-${from + span}`),
  fc.integer({ min: 1, max: 3 }).map((step) => `2026/${step}`),
);

const dayOfMonth = fc.oneof(
  plainField(1, 31),
  fc.constantFrom('L', 'LW'),
  fc.integer({ min: 1, max: 31 }).map((day) => `${day}W`),
);

const dayOfWeek = fc.oneof(
  plainField(1, 7, DAYS),
  fc.constant('L'),
  fc.integer({ min: 1, max: 7 }).map((day) => `${day}L`),
  fc
    .tuple(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 5 }))
    .map(([day, nth]) => `${day}#${nth}`),
);

const expression = fc
  .tuple(
    plainField(0, 59),
    plainField(0, 23),
    fc.oneof(
      dayOfMonth.map((dom) => [dom, '?'] as const),
      dayOfWeek.map((dow) => ['?', dow] as const),
    ),
    plainField(1, 12, MONTHS),
    year,
  )
  .map(
    ([minutes, hours, [dom, dow], months, years]) =>
      `cron(${minutes} ${hours} ${dom} ${months} ${dow} ${years})`,
  );

const after = fc.date({
  min: new Date('2025-06-01T00:00:00Z'),
  max: new Date('2028-12-31T23:59:59Z'),
  noInvalidDate: true,
});

/**
 * The first minute in [from, to) that matches, scanned independently of the evaluator's search. Days
 * strictly inside are tried at their first candidate minute only: if any minute of a day matched, so would
 * the day's earliest allowed hour and minute.
 */
function firstMatchBetween(schedule: CronSchedule, from: number, to: number): string | undefined {
  const firstHour = Math.min(...schedule.hours);
  const firstMinute = Math.min(...schedule.minutes);
  const fromDay = Math.floor(from / DAY_MS);
  const toDay = Math.floor(to / DAY_MS);
  for (let day = fromDay; day <= toDay; day++) {
    const times: number[] = [];
    if (day === fromDay || day === toDay) {
      const end = Math.min(to, (day + 1) * DAY_MS);
      for (let time = Math.max(from, day * DAY_MS); time < end; time += MINUTE_MS) times.push(time);
    } else {
      times.push(day * DAY_MS + firstHour * 3_600_000 + firstMinute * MINUTE_MS);
    }
    const found = times.find((time) => cronMatches(schedule, new Date(time)));
    if (found !== undefined) return new Date(found).toISOString();
  }
  return undefined;
}

describe('nextFireTime over generated expressions', () => {
  it('the validator accepts every expression the evaluator takes', () => {
    fc.assert(
      fc.property(expression, (text) => {
        expect(scheduleProblem(text)).toBeUndefined();
        expect(() => cronSchedule(text)).not.toThrow();
      }),
      { numRuns: 300 },
    );
  });

  it('finds a whole minute after the given time that matches, with no matching minute before it', () => {
    fc.assert(
      fc.property(expression, after, (text, start) => {
        const schedule = cronSchedule(text);
        const next = nextFireTime(text, start);
        const from = (Math.floor(start.getTime() / MINUTE_MS) + 1) * MINUTE_MS;
        if (next === undefined) {
          expect(firstMatchBetween(schedule, from, Date.UTC(2200, 0, 1))).toBeUndefined();
          return;
        }
        expect(next.getTime()).toBeGreaterThan(start.getTime());
        expect(next.getTime() % MINUTE_MS).toBe(0);
        expect(cronMatches(schedule, next)).toBe(true);
        expect(firstMatchBetween(schedule, from, next.getTime())).toBeUndefined();
        // Asked during the minute before, the answer is that same minute.
        expect(nextFireTime(text, new Date(next.getTime() - 1 - (start.getTime() % MINUTE_MS)))).toEqual(
          next,
        );
      }),
      { numRuns: 200 },
    );
  });
});
