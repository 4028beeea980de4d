/**
 * Where each value of a JSON text starts, by path: lets `.json` workflows, parsed with the fast
 * `JSON.parse`, still report `line:col` positions. Run only when there is a mistake to report, on text that
 * `JSON.parse` accepted.
 */

/** Offsets of a value and, for an object member, of its key. */
export interface JsonOffset {
  readonly value: number;
  readonly key?: number;
}

/**
 * Maps `JSON.stringify(path)` to offsets for every value in a valid JSON text.
 *
 * @example
 * jsonOffsets('{"a":[1]}').get('["a",0]'); // { value: 6 }
 */
export function jsonOffsets(text: string): Map<string, JsonOffset> {
  const offsets = new Map<string, JsonOffset>();
  let i = 0;
  const skipSpace = (): void => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t'))
      i++;
  };
  const readString = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const readValue = (path: (string | number)[], key?: number): void => {
    skipSpace();
    offsets.set(JSON.stringify(path), key === undefined ? { value: i } : { value: i, key });
    const char = text[i];
    if (char === '{') {
      i++;
      skipSpace();
      while (text[i] !== '}' && i < text.length) {
        skipSpace();
        const keyAt = i;
        const name = readString();
        skipSpace();
        i++; // ':'
        readValue([...path, name], keyAt);
        skipSpace();
        if (text[i] === ',') i++;
        skipSpace();
      }
      i++;
    } else if (char === '[') {
      i++;
      skipSpace();
      let index = 0;
      while (text[i] !== ']' && i < text.length) {
        readValue([...path, index++]);
        skipSpace();
        if (text[i] === ',') i++;
        skipSpace();
      }
      i++;
    } else if (char === '"') {
      readString();
    } else {
      while (i < text.length && !/[\s,\]}]/.test(text[i] ?? '')) i++;
    }
  };
  readValue([]);
  return offsets;
}
