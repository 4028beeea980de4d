/**
 * EventBridge event pattern matching, following the EventBridge user guide ("Event patterns", "Comparison
 * operators"): a pattern is an object whose leaves are arrays of allowed values or comparison operators;
 * the event must satisfy every field of the pattern; a leaf array matches if any entry matches; when the
 * event's value is an array, it matches if any element matches. Fields the pattern does not name are
 * ignored. Supported: exact values (string, number, boolean, null), `prefix`, `suffix` (both also with
 * `equals-ignore-case`), `anything-but` (a value, a list, or `prefix`/`suffix`/`equals-ignore-case`/
 * `wildcard`), `numeric`, `exists`, `equals-ignore-case`, `wildcard`, `cidr` (IPv4) and `$or`.
 */

/** An EventBridge event pattern, as written in a rule. */
export type EventPattern = Readonly<Record<string, unknown>>;

/**
 * Whether an event matches a pattern.
 *
 * @example
 * matchesPattern({ source: ['shop'], detail: { total: [{ numeric: ['>', 100] }] } },
 *   { source: 'shop', detail: { total: 250 } }); // true
 */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  return matchObject(pattern, event);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function matchObject(pattern: Readonly<Record<string, unknown>>, value: unknown): boolean {
  if (Array.isArray(value)) return value.some((element) => matchObject(pattern, element));
  const record = isRecord(value) ? value : undefined;
  for (const [key, expected] of Object.entries(pattern)) {
    if (key === '$or') {
      if (
        !Array.isArray(expected) ||
        !expected.some((branch) => isRecord(branch) && matchObject(branch, value))
      ) {
        return false;
      }
      continue;
    }
    const actual = record === undefined ? undefined : record[key];
    if (Array.isArray(expected)) {
      if (!matchLeaf(expected, actual)) return false;
    } else if (isRecord(expected)) {
      if (!matchObject(expected, actual)) return false;
    } else {
      return false;
    }
  }
  return true;
}

/** A leaf: any of the entries matches the value (or, for an array value, any of its elements). */
function matchLeaf(entries: readonly unknown[], actual: unknown): boolean {
  return entries.some((entry) => {
    if (isRecord(entry) && 'exists' in entry) return (actual !== undefined) === (entry.exists === true);
    if (actual === undefined) return false;
    const values = Array.isArray(actual) ? actual : [actual];
    if (isRecord(entry) && 'anything-but' in entry)
      return values.some((v) => !matchAnything(entry['anything-but'], v));
    return values.some((v) => matchEntry(entry, v));
  });
}

function matchEntry(entry: unknown, value: unknown): boolean {
  if (!isRecord(entry)) return equalScalars(entry, value);
  if ('prefix' in entry) return matchAffix(entry.prefix, value, (s, p) => s.startsWith(p));
  if ('suffix' in entry) return matchAffix(entry.suffix, value, (s, p) => s.endsWith(p));
  if ('equals-ignore-case' in entry) {
    return typeof value === 'string' && typeof entry['equals-ignore-case'] === 'string'
      ? value.toLowerCase() === entry['equals-ignore-case'].toLowerCase()
      : false;
  }
  if ('wildcard' in entry) return typeof value === 'string' && matchWildcard(entry.wildcard, value);
  if ('numeric' in entry) return typeof value === 'number' && matchNumeric(entry.numeric, value);
  if ('cidr' in entry)
    return typeof value === 'string' && typeof entry.cidr === 'string' && inCidr(value, entry.cidr);
  return false;
}

/** What `anything-but` excludes: true when the value is one of the excluded ones. */
function matchAnything(excluded: unknown, value: unknown): boolean {
  if (Array.isArray(excluded)) return excluded.some((item) => equalScalars(item, value));
  if (!isRecord(excluded)) return equalScalars(excluded, value);
  if ('equals-ignore-case' in excluded) {
    const list = toList(excluded['equals-ignore-case']);
    return (
      typeof value === 'string' &&
      list.some((s) => typeof s === 'string' && s.toLowerCase() === value.toLowerCase())
    );
  }
  if ('wildcard' in excluded) {
    return typeof value === 'string' && toList(excluded.wildcard).some((w) => matchWildcard(w, value));
  }
  return matchEntry(excluded, value);
}

function toList(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [value];
}

function equalScalars(expected: unknown, value: unknown): boolean {
  if (typeof expected === 'number' && typeof value === 'number') return expected === value;
  return expected === value;
}

function matchAffix(spec: unknown, value: unknown, test: (value: string, affix: string) => boolean): boolean {
  if (typeof value !== 'string') return false;
  if (typeof spec === 'string') return test(value, spec);
  if (isRecord(spec) && typeof spec['equals-ignore-case'] === 'string') {
    return test(value.toLowerCase(), spec['equals-ignore-case'].toLowerCase());
  }
  return false;
}

/** `*` matches any run of characters; `\*` is a literal star and `\\` a literal backslash. */
function matchWildcard(spec: unknown, value: string): boolean {
  if (typeof spec !== 'string') return false;
  let source = '';
  for (let i = 0; i < spec.length; i++) {
    const char = spec[i] as string;
    if (char === '\\' && i + 1 < spec.length) {
      source += escapeRegExp(spec[++i] as string);
    } else if (char === '*') {
      source += '.*';
    } else {
      source += escapeRegExp(char);
    }
  }
  return new RegExp(`^${source}$`, 's').test(value);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

const COMPARATORS: Record<string, (a: number, b: number) => boolean> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '=': (a, b) => a === b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

function matchNumeric(spec: unknown, value: number): boolean {
  if (!Array.isArray(spec) || spec.length === 0 || spec.length % 2 !== 0) return false;
  for (let i = 0; i < spec.length; i += 2) {
    const compare = COMPARATORS[String(spec[i])];
    const bound = spec[i + 1];
    if (compare === undefined || typeof bound !== 'number' || !compare(value, bound)) return false;
  }
  return true;
}

function inCidr(address: string, cidr: string): boolean {
  const [network, bitsText] = cidr.split('/');
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  const a = ipv4(address);
  const n = network === undefined ? undefined : ipv4(network);
  if (a === undefined || n === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return (a & mask) >>> 0 === (n & mask) >>> 0;
}

function ipv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let result = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    result = result * 256 + octet;
  }
  return result;
}
