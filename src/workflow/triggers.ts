/**
 * Syntactic checks of the `on:` triggers: EventBridge event patterns and the mapping from an event to a
 * run's input. Each problem names the path inside the checked value and completes "must be ...".
 */

/** A mistake inside a checked value: its path (relative to the value) and what was expected. */
export interface Problem {
  readonly path: (string | number)[];
  readonly message: string;
}

const FILTERS = new Set([
  'prefix',
  'suffix',
  'anything-but',
  'numeric',
  'exists',
  'cidr',
  'equals-ignore-case',
  'wildcard',
]);
const NUMERIC_OPERATORS = new Set(['<', '<=', '=', '>', '>=']);
/** `$`, then `.name`, `[0]`, `['any name']` or `["any name"]` steps (what src/triggers evaluates). */
const JSON_PATH = /^\$(\.[A-Za-z0-9_-]+|\[\d+\]|\['[^']*'\]|\["[^"]*"\])*$/;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks an EventBridge event pattern: every field maps to a non-empty list of values or filters, or to a
 * nested pattern; `$or` holds a list of patterns.
 *
 * @example
 * checkEventPattern({ source: ['orders'], detail: { amount: [{ numeric: ['>', 100] }] } }); // []
 */
export function checkEventPattern(
  pattern: Record<string, unknown>,
  path: (string | number)[] = [],
): Problem[] {
  const problems: Problem[] = [];
  const keys = Object.keys(pattern);
  if (keys.length === 0) {
    problems.push({ path, message: 'a non-empty event pattern (an empty one would match every event)' });
  }
  for (const key of keys) {
    const value = pattern[key];
    const here = [...path, key];
    if (key === '$or') {
      if (!Array.isArray(value) || value.length < 2 || !value.every(isPlainObject)) {
        problems.push({ path: here, message: 'a list of at least two event patterns' });
      } else {
        value.forEach((branch, index) => {
          problems.push(...checkEventPattern(branch, [...here, index]));
        });
      }
    } else if (isPlainObject(value)) {
      problems.push(...checkEventPattern(value, here));
    } else if (Array.isArray(value)) {
      if (value.length === 0) problems.push({ path: here, message: 'a non-empty list of values to match' });
      value.forEach((item, index) => {
        const message = matcherProblem(item);
        if (message !== undefined) problems.push({ path: [...here, index], message });
      });
    } else {
      problems.push({
        path: here,
        message: 'a list of values to match or a nested pattern (EventBridge matches lists, e.g. [value])',
      });
    }
  }
  return problems;
}

function matcherProblem(item: unknown): string | undefined {
  if (item === null || ['string', 'number', 'boolean'].includes(typeof item)) return undefined;
  if (!isPlainObject(item)) return 'a value or a filter such as { prefix: "a" }';
  const keys = Object.keys(item);
  const [filter] = keys;
  if (keys.length !== 1 || filter === undefined || !FILTERS.has(filter)) {
    return `a filter with one of ${[...FILTERS].join(', ')}`;
  }
  const argument = item[filter];
  switch (filter) {
    case 'exists':
      return typeof argument === 'boolean' ? undefined : 'a filter { exists: true|false }';
    case 'numeric':
      return numericProblem(argument);
    case 'anything-but':
      return anythingButValid(argument)
        ? undefined
        : 'a filter { anything-but: value | [values] | { prefix|suffix|equals-ignore-case|wildcard: text } }';
    case 'prefix':
    case 'suffix':
      return typeof argument === 'string' ||
        (isPlainObject(argument) && typeof argument['equals-ignore-case'] === 'string')
        ? undefined
        : `a filter { ${filter}: text }`;
    default:
      return typeof argument === 'string' ? undefined : `a filter { ${filter}: text }`;
  }
}

function isScalar(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'number';
}

function anythingButValid(argument: unknown): boolean {
  if (Array.isArray(argument)) return argument.length > 0 && argument.every(isScalar);
  if (isPlainObject(argument)) {
    const [inner, ...more] = Object.keys(argument);
    return more.length === 0 && ['prefix', 'suffix', 'equals-ignore-case', 'wildcard'].includes(inner ?? '');
  }
  return isScalar(argument);
}

function numericProblem(argument: unknown): string | undefined {
  const phrase = "a filter { numeric: ['>', 0, '<=', 5] } (operator and number pairs)";
  if (!Array.isArray(argument) || argument.length === 0 || argument.length % 2 !== 0 || argument.length > 4) {
    return phrase;
  }
  for (let i = 0; i < argument.length; i += 2) {
    if (!NUMERIC_OPERATORS.has(String(argument[i])) || typeof argument[i + 1] !== 'number') return phrase;
  }
  return undefined;
}

/**
 * Checks a run-input mapping: keys are input fields; a string value starting with `$` is a JSONPath into
 * the event (`$.detail.user`), any other value is a literal; nested mappings and lists are checked too.
 *
 * @example
 * checkInputMapping({ user: '$.detail.user', source: 'events' }); // []
 */
export function checkInputMapping(input: unknown, path: (string | number)[] = []): Problem[] {
  if (typeof input === 'string') {
    return input.startsWith('$') && !JSON_PATH.test(input)
      ? [
          {
            path,
            message:
              "a JSONPath into the event such as '$.detail.user' or '$.detail.items[0]' (or a literal not starting with $)",
          },
        ]
      : [];
  }
  if (Array.isArray(input)) return input.flatMap((item, index) => checkInputMapping(item, [...path, index]));
  if (isPlainObject(input)) {
    return Object.entries(input).flatMap(([key, value]) => checkInputMapping(value, [...path, key]));
  }
  return [];
}
