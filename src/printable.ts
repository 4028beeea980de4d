/**
 * Text from a user's files (workflow ids and values, file names, handlers' error messages) made safe to
 * print on a terminal: control characters become visible escapes, so such text cannot move the cursor,
 * recolour or clear the screen, set the window title, or start a line that looks like weft's own.
 */

const SHORT: Readonly<Record<number, string>> = { 9: '\\t', 10: '\\n', 13: '\\r' };

/** C0 controls, DEL, C1 controls, and the invisible characters that reorder or break lines. */
function isControl(code: number): boolean {
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x061c ||
    code === 0x200e ||
    code === 0x200f ||
    code === 0x2028 ||
    code === 0x2029 ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  );
}

function escapeOf(code: number): string {
  const short = SHORT[code];
  if (short !== undefined) return short;
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * `text` with every control character written as an escape (`\x1b`, `\n`, `\u202e`); `keepNewlines` keeps
 * line breaks, for a message weft itself made of several lines.
 *
 * @example
 * printable('red\x1b[31m'); // 'red\\x1b[31m'
 * printable('a\nb', { keepNewlines: true }); // 'a\nb'
 */
export function printable(text: string, options: { readonly keepNewlines?: boolean } = {}): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (!isControl(code) || (code === 0x0a && options.keepNewlines)) continue;
    out += text.slice(from, i) + escapeOf(code);
    from = i + 1;
  }
  return from === 0 ? text : out + text.slice(from);
}
