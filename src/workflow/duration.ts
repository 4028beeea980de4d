/**
 * Durations as users write them: a number and a unit, units from largest to smallest, each at most once
 * (`250ms`, `30s`, `5m`, `1h`, `1d`, `1m30s`, `1h30m`).
 */

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;
const UNIT_ORDER: readonly Unit[] = ['d', 'h', 'm', 's', 'ms'];
const PART = /(\d+)(ms|d|h|m|s)/y;

/** The examples the error messages show. */
export const DURATION_EXAMPLES = '250ms, 30s, 5m, 1h, 1d or 1m30s';

/**
 * Parses a duration into milliseconds, or `undefined` when the text is not one.
 *
 * @example
 * parseDuration('1m30s'); // 90_000
 * parseDuration('soon');  // undefined
 */
export function parseDuration(text: string): number | undefined {
  if (text.length === 0 || text.length > 40) return undefined;
  let total = 0;
  let position = 0;
  let lastUnit = -1;
  while (position < text.length) {
    PART.lastIndex = position;
    const match = PART.exec(text);
    if (match === null) return undefined;
    const unitIndex = UNIT_ORDER.indexOf(match[2] as Unit);
    if (unitIndex <= lastUnit) return undefined;
    lastUnit = unitIndex;
    total += Number(match[1]) * UNIT_MS[match[2] as Unit];
    position = PART.lastIndex;
  }
  return Number.isSafeInteger(total) ? total : undefined;
}

/**
 * Writes milliseconds back as the shortest duration text.
 *
 * @example
 * formatDuration(90_000); // '1m30s'
 */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let text = '';
  for (const unit of UNIT_ORDER) {
    const count = Math.floor(rest / UNIT_MS[unit]);
    if (count > 0) {
      text += `${count}${unit}`;
      rest -= count * UNIT_MS[unit];
    }
  }
  return text;
}
