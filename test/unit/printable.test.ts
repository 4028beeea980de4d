import { describe, expect, it } from 'vitest';
import { printable } from '../../src/printable.ts';

describe('printable', () => {
  it('leaves ordinary text alone, other scripts and emoji included', () => {
    expect(printable("task 'crédit_check' — 信用 ✅")).toBe("task 'crédit_check' — 信用 ✅");
  });

  it('escapes C0 and C1 controls, DEL and the characters that reorder or break lines', () => {
    expect(printable('a\u001b[31mb\u0007\u007f\u009b\t\r\n')).toBe('a\\x1b[31mb\\x07\\x7f\\x9b\\t\\r\\n');
    expect(printable('x\u202ey\u2066z\u2028')).toBe('x\\u202ey\\u2066z\\u2028');
  });

  it('keeps line breaks when asked, and only those', () => {
    expect(printable('one\ntwo\u001b', { keepNewlines: true })).toBe('one\ntwo\\x1b');
  });
});
