import { UserInputError } from '../errors.ts';
import { type CronSchedule, parseCron } from '../workflow/cron.ts';

const MINUTE_MS = 60_000;
const FIRST_YEAR = 1970;
const LAST_YEAR = 2199;

/**
 * The first minute strictly after `after` at which an EventBridge `cron(...)` expression fires (UTC), or
 * `undefined` when it never fires again (its years are over, or it names a day no month has). Throws a
 * `UserInputError` for anything that is not a valid cron expression.
 *
 * @example
 * nextFireTime('cron(0 18 ? * MON-FRI *)', new Date('2026-11-27T15:26:30Z'));  // 2026-11-27T18:00:00.000Z
 * nextFireTime('cron(0 0 1 1 ? 2020)', new Date('2026-11-27T15:26:30Z'));      // undefined
 */
export function nextFireTime(expression: string, after: Date): Date | undefined {
  return nextCronTime(cronSchedule(expression), after);
}

/** The parsed form of a `cron(...)` expression; throws a `UserInputError` naming what is wrong. */
export function cronSchedule(expression: string): CronSchedule {
  const body = /^cron\((.*)\)$/.exec(expression.trim())?.[1];
  const parsed = body === undefined ? undefined : parseCron(body);
  if (parsed?.ok) return parsed.schedule;
  throw new UserInputError(
    'schedule.invalidCron',
    `'${expression}' must be ${parsed?.problem ?? 'cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)'}`,
  );
}

/** {@link nextFireTime} for an expression parsed once, as a schedule that fires repeatedly wants. */
export function nextCronTime(schedule: CronSchedule, after: Date): Date | undefined {
  let start = new Date((Math.floor(after.getTime() / MINUTE_MS) + 1) * MINUTE_MS);
  if (start.getUTCFullYear() < FIRST_YEAR) start = new Date(Date.UTC(FIRST_YEAR, 0, 1));
  const startYear = start.getUTCFullYear();
  for (let year = startYear; year <= LAST_YEAR; year++) {
    if (!schedule.years.has(year)) continue;
    const inStartYear = year === startYear;
    for (let month = inStartYear ? start.getUTCMonth() + 1 : 1; month <= 12; month++) {
      if (!schedule.months.has(month)) continue;
      const inStartMonth = inStartYear && month === start.getUTCMonth() + 1;
      for (let day = inStartMonth ? start.getUTCDate() : 1; day <= daysIn(year, month); day++) {
        if (!dayMatches(schedule, year, month, day)) continue;
        const inStartDay = inStartMonth && day === start.getUTCDate();
        for (let hour = inStartDay ? start.getUTCHours() : 0; hour <= 23; hour++) {
          if (!schedule.hours.has(hour)) continue;
          const inStartHour = inStartDay && hour === start.getUTCHours();
          for (let minute = inStartHour ? start.getUTCMinutes() : 0; minute <= 59; minute++) {
            if (schedule.minutes.has(minute)) {
              return new Date(Date.UTC(year, month - 1, day, hour, minute));
            }
          }
        }
      }
    }
  }
  return undefined;
}

/** Whether a schedule fires at the minute `time` falls in (UTC). */
export function cronMatches(schedule: CronSchedule, time: Date): boolean {
  const year = time.getUTCFullYear();
  const month = time.getUTCMonth() + 1;
  return (
    schedule.years.has(year) &&
    schedule.months.has(month) &&
    dayMatches(schedule, year, month, time.getUTCDate()) &&
    schedule.hours.has(time.getUTCHours()) &&
    schedule.minutes.has(time.getUTCMinutes())
  );
}

/** Whether the day fields allow a date; the `?` field (undefined) allows every day. */
function dayMatches(schedule: CronSchedule, year: number, month: number, day: number): boolean {
  const last = daysIn(year, month);
  const weekday = weekdayOf(year, month, day);
  const dom = schedule.dayOfMonth;
  if (dom !== undefined) {
    if (dom.kind === 'days' && !dom.days.has(day)) return false;
    if (dom.kind === 'last' && day !== last) return false;
    if (dom.kind === 'lastWeekday' && day !== nearestWeekday(year, month, last)) return false;
    if (dom.kind === 'nearestWeekday' && (dom.day > last || day !== nearestWeekday(year, month, dom.day))) {
      return false;
    }
  }
  const dow = schedule.dayOfWeek;
  if (dow !== undefined) {
    if (dow.kind === 'days' && !dow.days.has(weekday)) return false;
    if (dow.kind === 'last' && (weekday !== dow.weekday || day + 7 <= last)) return false;
    if (dow.kind === 'nth' && (weekday !== dow.weekday || Math.ceil(day / 7) !== dow.nth)) return false;
  }
  return true;
}

/**
 * The weekday (Monday to Friday) nearest a day, never leaving its month: a Saturday moves to the Friday
 * before (or the Monday after, for the 1st), a Sunday to the Monday after (or the Friday before, for the
 * month's last day). Quartz's `W`, which EventBridge follows.
 */
function nearestWeekday(year: number, month: number, day: number): number {
  const weekday = weekdayOf(year, month, day);
  if (weekday === 7) return day === 1 ? day + 2 : day - 1;
  if (weekday === 1) return day === daysIn(year, month) ? day - 2 : day + 1;
  return day;
}

/** EventBridge's day of the week: 1 = Sunday ... 7 = Saturday. */
function weekdayOf(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
