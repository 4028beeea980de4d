import { describe, expect, it } from 'vitest';
import { UserInputError } from '../../../src/errors.ts';
import { cronSchedule, nextFireTime } from '../../../src/triggers/cron.ts';

// Friday 27 November 2026, 15:26:30 UTC.
const FRIDAY_AFTERNOON = '2026-11-27T15:26:30Z';

describe('nextFireTime: the examples of the EventBridge documentation', () => {
  it.each([
    ['cron(0 10 * * ? *)', FRIDAY_AFTERNOON, '2026-11-28T10:00:00.000Z'], // 10:00 every day
    ['cron(15 12 * * ? *)', FRIDAY_AFTERNOON, '2026-11-28T12:15:00.000Z'], // 12:15 every day
    ['cron(0 18 ? * MON-FRI *)', FRIDAY_AFTERNOON, '2026-11-27T18:00:00.000Z'], // 18:00 Monday to Friday
    ['cron(0 18 ? * MON-FRI *)', '2026-11-27T18:00:00Z', '2026-11-30T18:00:00.000Z'], // ... skips the weekend
    ['cron(0 8 1 * ? *)', FRIDAY_AFTERNOON, '2026-12-01T08:00:00.000Z'], // 08:00 on the 1st
    ['cron(0/15 * * * ? *)', FRIDAY_AFTERNOON, '2026-11-27T15:30:00.000Z'], // every 15 minutes
    ['cron(0/10 * ? * MON-FRI *)', '2026-11-27T23:55:00Z', '2026-11-30T00:00:00.000Z'], // every 10 min, weekdays
    ['cron(0/5 8-17 ? * MON-FRI *)', FRIDAY_AFTERNOON, '2026-11-27T15:30:00.000Z'], // 08:00-17:55 weekdays
    ['cron(0/5 8-17 ? * MON-FRI *)', '2026-11-27T17:55:00Z', '2026-11-30T08:00:00.000Z'],
    ['cron(0/30 20-2 ? * MON-FRI *)', FRIDAY_AFTERNOON, '2026-11-27T20:00:00.000Z'], // a range over midnight
    ['cron(0/30 20-2 ? * MON-FRI *)', '2026-11-26T23:45:00Z', '2026-11-27T00:00:00.000Z'],
    ['cron(0/30 20-2 ? * MON-FRI *)', '2026-11-27T23:30:00Z', '2026-11-30T00:00:00.000Z'], // not on Saturday
    ['cron(1/10 * * * ? *)', FRIDAY_AFTERNOON, '2026-11-27T15:31:00.000Z'], // 1/10: minutes 1, 11, 21, 31...
    ['cron(0 9 ? * 3#2 *)', FRIDAY_AFTERNOON, '2026-12-08T09:00:00.000Z'], // 3#2: the second Tuesday
    ['cron(0 9 3W * ? *)', '2026-12-04T00:00:00Z', '2027-01-04T09:00:00.000Z'], // 3W: Sunday the 3rd -> Monday
  ])('%s after %s is %s', (expression, after, expected) => {
    expect(nextFireTime(expression, new Date(after))?.toISOString()).toBe(expected);
  });
});

describe('nextFireTime: names, L, W, #, wrap-around and years', () => {
  it.each([
    ['cron(0 0 L * ? *)', FRIDAY_AFTERNOON, '2026-11-30T00:00:00.000Z'], // the last day of the month
    ['cron(0 0 L * ? *)', '2028-02-01T00:00:00Z', '2028-02-29T00:00:00.000Z'], // ... of a leap February
    ['cron(0 0 LW * ? *)', '2027-01-01T00:00:00Z', '2027-01-29T00:00:00.000Z'], // Sunday 31st -> Friday 29th
    ['cron(0 9 1W * ? *)', '2027-04-02T00:00:00Z', '2027-05-03T09:00:00.000Z'], // Saturday 1st -> Monday 3rd
    ['cron(0 9 31W * ? *)', '2027-01-01T00:00:00Z', '2027-01-29T09:00:00.000Z'], // Sunday 31st -> Friday 29th
    ['cron(0 9 15W * ? *)', FRIDAY_AFTERNOON, '2026-12-15T09:00:00.000Z'], // a Tuesday stays
    ['cron(0 18 ? * 6L *)', FRIDAY_AFTERNOON, '2026-11-27T18:00:00.000Z'], // the last Friday
    ['cron(0 18 ? * 6L *)', '2026-11-27T18:00:00Z', '2026-12-25T18:00:00.000Z'],
    ['cron(0 0 ? * 5L *)', '2026-12-01T00:00:00Z', '2026-12-31T00:00:00.000Z'], // not the 24th, a week before
    ['cron(0 12 ? * L *)', FRIDAY_AFTERNOON, '2026-11-28T12:00:00.000Z'], // bare L: the last day of the week
    ['cron(0 0 ? * 1#5 *)', FRIDAY_AFTERNOON, '2026-11-29T00:00:00.000Z'], // the fifth Sunday
    ['cron(0 0 ? * 5#5 *)', FRIDAY_AFTERNOON, '2026-12-31T00:00:00.000Z'], // the fifth Thursday
    ['cron(0 1 ? * FRI-MON *)', FRIDAY_AFTERNOON, '2026-11-28T01:00:00.000Z'], // a weekday range over Sunday
    ['cron(0 1 ? * fri *)', FRIDAY_AFTERNOON, '2026-12-04T01:00:00.000Z'], // names in any case
    ['cron(0 0 1 NOV-FEB ? *)', '2026-12-15T00:00:00Z', '2027-01-01T00:00:00.000Z'], // a month range over the year
    ['cron(0 0 1 JAN/3 ? *)', FRIDAY_AFTERNOON, '2027-01-01T00:00:00.000Z'], // January, April, July, October
    ['cron(0 0 1 JAN/3 ? *)', '2027-01-01T00:00:00Z', '2027-04-01T00:00:00.000Z'],
    ['cron(0 0 29 2 ? *)', FRIDAY_AFTERNOON, '2028-02-29T00:00:00.000Z'], // the next leap day
    ['cron(5,55 3-4 * * ? 2027-2028)', FRIDAY_AFTERNOON, '2027-01-01T03:05:00.000Z'], // lists and years
    ['cron(0 0 1 1 ? 2027/2)', FRIDAY_AFTERNOON, '2027-01-01T00:00:00.000Z'],
    ['cron(0 0 1 1 ? 2027/2)', '2027-01-01T00:00:00Z', '2029-01-01T00:00:00.000Z'],
    ['cron(* * * * ? *)', '2026-12-31T23:59:59.999Z', '2027-01-01T00:00:00.000Z'], // strictly after
    ['cron(0 0 1 1 ? *)', '1960-05-05T00:00:00Z', '1970-01-01T00:00:00.000Z'], // EventBridge's years start in 1970
  ])('%s after %s is %s', (expression, after, expected) => {
    expect(nextFireTime(expression, new Date(after))?.toISOString()).toBe(expected);
  });

  it.each([
    ['cron(0 0 1 1 ? 2020)', 'its only year is past'],
    ['cron(0 0 30 FEB ? *)', 'no February has a 30th'],
    ['cron(0 0 31W 2 ? *)', 'no February has a 31st to be near'],
    ['cron(59 23 31 12 ? 2199)', 'the last minute EventBridge knows is not after itself'],
  ])('%s never fires again (%s)', (expression) => {
    expect(nextFireTime(expression, new Date('2199-12-31T23:59:00Z'))).toBeUndefined();
    if (!expression.includes('2199'))
      expect(nextFireTime(expression, new Date(FRIDAY_AFTERNOON))).toBeUndefined();
  });

  it('rejects an invalid expression with the validator message', () => {
    expect(() => nextFireTime('cron(0 25 ? * MON *)', new Date(FRIDAY_AFTERNOON))).toThrow(UserInputError);
    expect(() => cronSchedule('cron(0 25 ? * MON *)')).toThrow(
      "'cron(0 25 ? * MON *)' must be a cron expression with a valid hours field (0-23",
    );
    expect(() => cronSchedule('rate(5 minutes)')).toThrow("'rate(5 minutes)' must be cron(<minutes>");
  });
});
