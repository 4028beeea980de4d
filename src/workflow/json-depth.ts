/**
 * How deeply a JSON text or value nests, found without recursion: parsers and validators that recurse
 * (zod, the YAML parser, weft's own position finders) run out of stack on a few thousand levels, so a limit
 * is checked before any of them sees the input.
 */

/** Where a text first nests deeper than allowed: the offset of the bracket that opened one level too many. */
export interface TooDeep {
  readonly offset: number;
  readonly limit: number;
}

const OPEN_OBJECT = 0x7b; // {
const OPEN_ARRAY = 0x5b; // [
const CLOSE_OBJECT = 0x7d; // }
const CLOSE_ARRAY = 0x5d; // ]
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \

/**
 * The first place where `text` nests more than `limit` arrays and objects inside one another, or undefined.
 * One pass over the characters, skipping strings; it does not validate the JSON (so it can run first, on any
 * text), and brackets inside strings do not count.
 *
 * @example
 * jsonTooDeep('[[1]]', 1); // { offset: 1, limit: 1 }
 * jsonTooDeep('{"a":"[[["}', 1); // undefined
 */
export function jsonTooDeep(text: string, limit: number): TooDeep | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === BACKSLASH) i++;
      else if (char === QUOTE) inString = false;
    } else if (char === QUOTE) {
      inString = true;
    } else if (char === OPEN_OBJECT || char === OPEN_ARRAY) {
      depth++;
      if (depth > limit) return { offset: i, limit };
    } else if ((char === CLOSE_OBJECT || char === CLOSE_ARRAY) && depth > 0) {
      depth--;
    }
  }
  return undefined;
}

/**
 * Whether a parsed value nests more than `limit` arrays and objects inside one another, walked with an
 * explicit stack (for payloads that arrive parsed, such as an EventBridge event given to a Lambda). A cycle
 * counts as too deep: it nests without end.
 *
 * @example
 * valueTooDeep({ a: [1] }, 1); // true
 * valueTooDeep({ a: [1] }, 2); // false
 */
export function valueTooDeep(value: unknown, limit: number): boolean {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    if (typeof next.value !== 'object' || next.value === null) continue;
    const depth = next.depth + 1;
    if (depth > limit) return true;
    for (const child of Object.values(next.value)) stack.push({ value: child, depth });
  }
  return false;
}
