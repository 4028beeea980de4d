import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonArrayWriter } from '../../../src/cli/json-array-writer.ts';

/** What the writer prints for `items` pushed in pieces of the given sizes. */
function written(items: readonly unknown[], sizes: readonly number[]): string {
  let text = '';
  const array = jsonArrayWriter((piece) => {
    text += piece;
  });
  let at = 0;
  for (const size of sizes) {
    array.push(items.slice(at, at + size));
    at += size;
  }
  array.push(items.slice(at));
  array.end();
  return text;
}

describe('jsonArrayWriter', () => {
  it('prints what JSON.stringify(items, null, 2) prints, however the items are split', () => {
    fc.assert(
      fc.property(
        fc.array(fc.jsonValue({ maxDepth: 3 })),
        fc.array(fc.nat({ max: 4 }), { maxLength: 6 }),
        (items, sizes) => {
          expect(written(items, sizes)).toBe(`${JSON.stringify(items, null, 2)}\n`);
        },
      ),
    );
  });

  it('prints an empty array as []', () => {
    expect(written([], [0, 0])).toBe('[]\n');
  });

  it('writes each page as it comes', () => {
    const pieces: string[] = [];
    const array = jsonArrayWriter((piece) => pieces.push(piece));
    array.push([1, 2]);
    array.push([3]);
    array.end();
    expect(pieces).toEqual(['[\n  1,\n  2', ',\n  3', '\n]\n']);
  });
});
