/**
 * EventBridge schedule expressions, checked syntactically: `rate(5 minutes)` and
 * `cron(minutes hours day-of-month month day-of-week year)` (parsed by `./cron.ts`, which the evaluator
 * of `weft dev` shares, so what validates is what fires).
 */

import { parseCron } from './cron.ts';

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
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

function cronProblem(fields: string): string | undefined {
  const parsed = parseCron(fields);
  return parsed.ok ? undefined : parsed.problem;
}
