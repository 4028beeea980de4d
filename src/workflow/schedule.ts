/**
 * EventBridge schedule expressions, checked syntactically: `rate(5 minutes)` and
 * `cron(minutes hours day-of-month month day-of-week year)`.
 */

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface CronField {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** Extra single tokens the field accepts (`L`, `W`, `#`). */
  readonly special?: RegExp;
}

const FIELDS: readonly CronField[] = [
  { name: 'minutes', min: 0, max: 59 },
  { name: 'hours', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31, special: /^(L|LW|\d{1,2}W)$/ },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day-of-week', min: 1, max: 7, names: DAYS, special: /^(L|[1-7]L|[1-7]#[1-5])$/ },
  { name: 'year', min: 1970, max: 2199 },
];

/**
 * What is wrong with a schedule expression, phrased to complete "must be ...", or `undefined` if it is
 * valid.
 *
 * @example
 * scheduleProblem('rate(5 minutes)');      // undefined
 * scheduleProblem('rate(1 minutes)');      // "'rate(1 minute)' (singular for 1)"
 */
export function scheduleProblem(text: string): string | undefined {
  if (text.startsWith('rate(')) return rateProblem(text);
  if (text.startsWith('cron(') && text.endsWith(')')) return cronProblem(text.slice(5, -1));
  return "'rate(<n> minutes|hours|days)' or 'cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)'";
}

function rateProblem(text: string): string | undefined {
  const match = RATE.exec(text);
  if (match === null) return "'rate(<n> minute|minutes|hour|hours|day|days)', such as 'rate(5 minutes)'";
  const count = Number(match[1]);
  const unit = match[2] ?? '';
  if (count < 1) return 'a rate of at least 1';
  const singular = unit.replace(/s$/, '');
  if (count === 1 && unit !== singular) return `'rate(1 ${singular})' (singular for 1)`;
  if (count > 1 && unit === singular) return `'rate(${count} ${singular}s)' (plural above 1)`;
  return undefined;
}

function cronProblem(body: string): string | undefined {
  const parts = body.trim().split(/\s+/);
  if (parts.length !== 6) {
    return 'a cron expression with 6 fields (minutes hours day-of-month month day-of-week year)';
  }
  for (const [index, field] of FIELDS.entries()) {
    const part = parts[index] ?? '';
    if (part === '?' && (field.name === 'day-of-month' || field.name === 'day-of-week')) continue;
    if (!part.split(',').every((item) => cronItemValid(item, field))) {
      return `a cron expression with a valid ${field.name} field (${field.min}-${field.max}${field.names ? ` or ${field.names[0]}-${field.names[field.names.length - 1]}` : ''}, *, ranges a-b, steps /n, lists a,b)`;
    }
  }
  const dayOfMonth = parts[2];
  const dayOfWeek = parts[4];
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
    return "a cron expression with '?' in exactly one of day-of-month and day-of-week (EventBridge cannot match both)";
  }
  return undefined;
}

function cronItemValid(item: string, field: CronField): boolean {
  if (field.special?.test(item)) return true;
  const [range, step, ...rest] = item.split('/');
  if (rest.length > 0 || range === undefined) return false;
  if (step !== undefined && !(/^\d+$/.test(step) && Number(step) >= 1)) return false;
  if (range === '*') return true;
  const bounds = range.split('-');
  if (bounds.length > 2) return false;
  const values = bounds.map((bound) => cronValue(bound, field));
  if (values.some((value) => value === undefined)) return false;
  return values.length === 1 || (values[0] ?? 0) <= (values[1] ?? 0) || field.names !== undefined;
}

function cronValue(token: string, field: CronField): number | undefined {
  const named = field.names?.indexOf(token.toUpperCase()) ?? -1;
  if (named !== -1) return named + 1;
  if (!/^\d+$/.test(token)) return undefined;
  const value = Number(token);
  return value >= field.min && value <= field.max ? value : undefined;
}
