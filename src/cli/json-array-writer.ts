/** Writes a JSON array in pieces, exactly as `JSON.stringify(items, null, 2)` prints it whole. */
export interface JsonArrayWriter {
  /** Writes these items after the ones before. */
  push(items: readonly unknown[]): void;
  /** Closes the array (`[]` if nothing was pushed) and ends the line. */
  end(): void;
}

/**
 * A writer of one pretty-printed JSON array, piece by piece: a long list (a run's history) goes out as it
 * comes, page by page, and never has to be one string. The text is the same as `JSON.stringify(items, null,
 * 2)` followed by a newline.
 *
 * @example
 * const array = jsonArrayWriter((text) => process.stdout.write(text));
 * array.push([{ a: 1 }]);
 * array.push([{ b: 2 }]);
 * array.end(); // [\n  {\n    "a": 1\n  },\n  {\n    "b": 2\n  }\n]\n
 */
export function jsonArrayWriter(write: (text: string) => void): JsonArrayWriter {
  let empty = true;
  return {
    push(items) {
      if (items.length === 0) return;
      // an item nests one level down: every line of its own pretty JSON moves right by two spaces
      const text = items.map(
        (item) => `  ${(JSON.stringify(item, null, 2) ?? 'null').replaceAll('\n', '\n  ')}`,
      );
      write(`${empty ? '[\n' : ',\n'}${text.join(',\n')}`);
      empty = false;
    },
    end() {
      write(empty ? '[]\n' : '\n]\n');
    },
  };
}
