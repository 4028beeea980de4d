import type { Json } from '../runtime/types.ts';

/**
 * Builds a run's input from an event. The mapping's values are JSONPath expressions into the event (`$`,
 * `$.detail.user.id`, `$.resources[0]`, `$.detail['first-name']`) or literals; objects and arrays in the
 * mapping are mapped recursively. A path that selects nothing leaves its key out. Without a mapping the
 * input is the event's `detail` (`{}` when the event has none).
 *
 * @example
 * mapInput({ user: '$.detail.user', source: 'orders' }, { detail: { user: 'u1' } }); // { user: 'u1', source: 'orders' }
 */
export function mapInput(mapping: Readonly<Record<string, unknown>> | undefined, event: Json): Json {
  if (mapping === undefined) {
    const detail = isObject(event) ? event.detail : undefined;
    return detail === undefined ? {} : detail;
  }
  return mapValue(mapping, event) ?? {};
}

function mapValue(value: unknown, event: Json): Json | undefined {
  if (typeof value === 'string' && value.startsWith('$')) return selectPath(value, event);
  if (Array.isArray(value)) {
    return value.map((item) => mapValue(item, event)).filter((item): item is Json => item !== undefined);
  }
  if (typeof value === 'object' && value !== null) {
    const out: { [key: string]: Json } = {};
    for (const [key, inner] of Object.entries(value)) {
      const mapped = mapValue(inner, event);
      if (mapped !== undefined) out[key] = mapped;
    }
    return out;
  }
  if (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'number' ||
    typeof value === 'boolean'
  ) {
    return value;
  }
  return undefined;
}

/** The steps of a JSONPath of the supported subset, or undefined when it is not one. */
export function parsePath(path: string): (string | number)[] | undefined {
  if (!path.startsWith('$')) return undefined;
  const steps: (string | number)[] = [];
  const pattern = /\.([A-Za-z0-9_-]+)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]/y;
  pattern.lastIndex = 1;
  while (pattern.lastIndex < path.length) {
    const start = pattern.lastIndex;
    const match = pattern.exec(path);
    if (match === null || match.index !== start) return undefined;
    if (match[1] !== undefined) steps.push(match[1]);
    else if (match[2] !== undefined) steps.push(Number(match[2]));
    else steps.push((match[3] ?? match[4]) as string);
  }
  return steps;
}

/** The value a path selects, or undefined. A string starting with `$` that is not a valid path is a literal. */
function selectPath(path: string, event: Json): Json | undefined {
  const steps = parsePath(path);
  if (steps === undefined) return path;
  let current: Json | undefined = event;
  for (const step of steps) {
    if (typeof step === 'number') current = Array.isArray(current) ? current[step] : undefined;
    else current = isObject(current) ? current[step] : undefined;
    if (current === undefined) return undefined;
  }
  return current;
}

function isObject(value: Json | undefined): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
