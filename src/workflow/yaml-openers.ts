/**
 * Where the construct a YAML syntax error is about was opened. The parser reports an unclosed `[`, `{` or
 * quote where it noticed (often the next line); people look for the line where they opened it.
 */

/** An opener (`[`, `{`, `"` or `'`) still unclosed at an offset, with where it is. */
export interface Opener {
  readonly char: '[' | '{' | '"' | "'";
  readonly offset: number;
}

/**
 * The innermost construct opened before `offset` and not closed by then: a flow sequence or mapping, or a
 * quoted scalar. Comments are skipped; a quote counts only where a scalar can start (after a line's
 * indentation, `- `, `: `, `[`, `{` or `,`), so an apostrophe inside plain text (`it's`) is not one.
 */
export function unclosedOpener(text: string, offset: number): Opener | undefined {
  const stack: Opener[] = [];
  let i = 0;
  const end = Math.min(offset, text.length);
  while (i < end) {
    const c = text[i] as string;
    const top = stack[stack.length - 1];
    if (top?.char === '"') {
      if (c === '\\') i += 1;
      else if (c === '"') stack.pop();
      i += 1;
      continue;
    }
    if (top?.char === "'") {
      if (c === "'" && text[i + 1] === "'") i += 1;
      else if (c === "'") stack.pop();
      i += 1;
      continue;
    }
    if (c === '#' && (i === 0 || /\s/.test(text[i - 1] as string))) {
      const newline = text.indexOf('\n', i);
      i = newline === -1 ? end : newline;
      continue;
    }
    if (c === '[' || c === '{') stack.push({ char: c, offset: i });
    else if ((c === ']' && top?.char === '[') || (c === '}' && top?.char === '{')) stack.pop();
    else if ((c === '"' || c === "'") && scalarMayStart(text, i)) stack.push({ char: c, offset: i });
    i += 1;
  }
  return stack[stack.length - 1];
}

function scalarMayStart(text: string, at: number): boolean {
  let j = at - 1;
  while (j >= 0 && text[j] === ' ') j -= 1;
  if (j < 0) return true;
  const before = text[j] as string;
  if (before === '\n' || before === '[' || before === '{' || before === ',') return true;
  // `- "x"` and `key: "x"` (the marker is followed by the spaces skipped above)
  return (before === '-' || before === ':') && j < at - 1;
}
