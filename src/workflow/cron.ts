/**
 * EventBridge's cron syntax, `cron(minutes hours day-of-month month day-of-week year)`, parsed into the sets
 * of values each field allows. One parser serves the workflow validator (its problems complete "must be
 * ...") and the evaluator that finds a schedule's next firing (`src/triggers/cron.ts`).
 */

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** The days of a month a schedule fires on, from its day-of-month field. */
export type DayOfMonthRule =
  | { readonly kind: 'days'; readonly days: ReadonlySet<number> }
  /** `L`: the last day of the month. */
  | { readonly kind: 'last' }
  /** `LW`: the last weekday (Monday to Friday) of the month. */
  | { readonly kind: 'lastWeekday' }
  /** `15W`: the weekday nearest the 15th, in the same month. */
  | { readonly kind: 'nearestWeekday'; readonly day: number };

/** The days a schedule fires on, from its day-of-week field (1 = Sunday ... 7 = Saturday). */
export type DayOfWeekRule =
  | { readonly kind: 'days'; readonly days: ReadonlySet<number> }
  /** `6L`: the last Friday of the month. */
  | { readonly kind: 'last'; readonly weekday: number }
  /** `3#2`: the second Tuesday of the month. */
  | { readonly kind: 'nth'; readonly weekday: number; readonly nth: number };

/** A parsed cron expression; exactly one of the two day rules is `undefined` (its field is `?`). */
export interface CronSchedule {
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly dayOfMonth: DayOfMonthRule | undefined;
  readonly months: ReadonlySet<number>;
  readonly dayOfWeek: DayOfWeekRule | undefined;
  readonly years: ReadonlySet<number>;
}

/** The parse's outcome: the schedule, or what the expression must be instead. */
export type CronParse =
  | { readonly ok: true; readonly schedule: CronSchedule }
  | { readonly ok: false; readonly problem: string };

interface CronField {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** Whether `a-b` with a > b wraps around (`20-2` in hours, `FRI-MON`); never for years. */
  readonly wraps: boolean;
}

const FIELDS = {
  minutes: { name: 'minutes', min: 0, max: 59, wraps: true },
  hours: { name: 'hours', min: 0, max: 23, wraps: true },
  dayOfMonth: { name: 'day-of-month', min: 1, max: 31, wraps: true },
  month: { name: 'month', min: 1, max: 12, names: MONTHS, wraps: true },
  dayOfWeek: { name: 'day-of-week', min: 1, max: 7, names: DAYS, wraps: true },
  year: { name: 'year', min: 1970, max: 2199, wraps: false },
} as const satisfies Record<string, CronField>;

/**
 * Parses the six fields inside `cron(...)`.
 *
 * @example
 * parseCron('0/15 8-17 ? * MON-FRI *');  // { ok: true, schedule: { minutes: {0, 15, 30, 45}, ... } }
 * parseCron('0 12 * * *');               // { ok: false, problem: 'a cron expression with 6 fields ...' }
 */
export function parseCron(fields: string): CronParse {
  const parts = fields.trim().split(/\s+/);
  if (parts.length !== 6) {
    return fail('a cron expression with 6 fields (minutes hours day-of-month month day-of-week year)');
  }
  const [minutePart, hourPart, domPart, monthPart, dowPart, yearPart] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const minutes = valueSet(minutePart, FIELDS.minutes);
  if (typeof minutes === 'string') return fail(minutes);
  const hours = valueSet(hourPart, FIELDS.hours);
  if (typeof hours === 'string') return fail(hours);
  const dayOfMonth = domPart === '?' ? undefined : dayOfMonthRule(domPart);
  if (typeof dayOfMonth === 'string') return fail(dayOfMonth);
  const months = valueSet(monthPart, FIELDS.month);
  if (typeof months === 'string') return fail(months);
  const dayOfWeek = dowPart === '?' ? undefined : dayOfWeekRule(dowPart);
  if (typeof dayOfWeek === 'string') return fail(dayOfWeek);
  const years = valueSet(yearPart, FIELDS.year);
  if (typeof years === 'string') return fail(years);
  if ((dayOfMonth === undefined) === (dayOfWeek === undefined)) {
    return fail(
      "a cron expression with '?' in exactly one of day-of-month and day-of-week (EventBridge cannot match both)",
    );
  }
  return { ok: true, schedule: { minutes, hours, dayOfMonth, months, dayOfWeek, years } };
}

function fail(problem: string): CronParse {
  return { ok: false, problem };
}

function fieldProblem(field: CronField): string {
  const names = field.names ? ` or ${field.names[0]}-${field.names[field.names.length - 1]}` : '';
  return `a cron expression with a valid ${field.name} field (${field.min}-${field.max}${names}, *, ranges a-b, steps /n, lists a,b)`;
}

/** EventBridge (like Quartz) takes `L`, `W` and `#` only as a field's whole value, never in a list. */
function aloneProblem(field: CronField, item: string): string {
  return `a cron expression whose ${field.name} field is '${item}' alone (EventBridge takes L, W and # only as the whole field, not in a list)`;
}

function dayOfMonthRule(part: string): DayOfMonthRule | string {
  const field = FIELDS.dayOfMonth;
  const special = /^(?:L|LW|(\d{1,2})W)$/.exec(part);
  if (special) {
    if (part === 'L') return { kind: 'last' };
    if (part === 'LW') return { kind: 'lastWeekday' };
    const day = Number(special[1]);
    return day >= field.min && day <= field.max ? { kind: 'nearestWeekday', day } : fieldProblem(field);
  }
  const inList = part.split(',').find((item) => /^(?:L|LW|\d{1,2}W)$/.test(item));
  if (inList !== undefined) return aloneProblem(field, inList);
  const days = valueSet(part, field);
  return typeof days === 'string' ? days : { kind: 'days', days };
}

function dayOfWeekRule(part: string): DayOfWeekRule | string {
  const field = FIELDS.dayOfWeek;
  if (part === 'L') return { kind: 'days', days: new Set([7]) };
  const last = /^([1-7])L$/.exec(part);
  if (last) return { kind: 'last', weekday: Number(last[1]) };
  const nth = /^([1-7])#([1-5])$/.exec(part);
  if (nth) return { kind: 'nth', weekday: Number(nth[1]), nth: Number(nth[2]) };
  const inList = part.split(',').find((item) => /^(?:L|[1-7]L|[1-7]#[1-5])$/.test(item));
  if (inList !== undefined) return aloneProblem(field, inList);
  const days = valueSet(part, field);
  return typeof days === 'string' ? days : { kind: 'days', days };
}

/** The values a plain field (lists of `*`, `a`, `a-b`, each with an optional `/step`) allows. */
function valueSet(part: string, field: CronField): ReadonlySet<number> | string {
  const values = new Set<number>();
  for (const item of part.split(',')) {
    const added = addItem(item, field, values);
    if (!added) return fieldProblem(field);
  }
  return values;
}

function addItem(item: string, field: CronField, into: Set<number>): boolean {
  const [range, stepText, ...rest] = item.split('/');
  if (rest.length > 0 || range === undefined) return false;
  if (stepText !== undefined && !/^\d+$/.test(stepText)) return false;
  const step = stepText === undefined ? 1 : Number(stepText);
  if (step < 1) return false;
  let first: number;
  let last: number;
  if (range === '*') {
    first = field.min;
    last = field.max;
  } else {
    const bounds = range.split('-');
    if (bounds.length > 2) return false;
    const values = bounds.map((bound) => fieldValue(bound, field));
    const [start, end] = values;
    if (start === undefined || values.some((value) => value === undefined)) return false;
    first = start;
    // `5/15` runs from 5 to the field's end; a lone `5` is just 5.
    last = end ?? (stepText === undefined ? start : field.max);
    if (last < first && !field.wraps) return false;
  }
  const span = field.max - field.min + 1;
  const count = last >= first ? last - first : last - first + span;
  for (let offset = 0; offset <= count; offset += step) {
    into.add(((first - field.min + offset) % span) + field.min);
  }
  return true;
}

function fieldValue(token: string, field: CronField): number | undefined {
  const named = field.names?.indexOf(token.toUpperCase()) ?? -1;
  if (named !== -1) return named + 1;
  if (!/^\d+$/.test(token)) return undefined;
  const value = Number(token);
  return value >= field.min && value <= field.max ? value : undefined;
}
