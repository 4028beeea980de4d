import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseInputOption } from '../../../src/cli/run-input.ts';

describe('parseInputOption', () => {
  it('defaults to an empty object', async () => {
    expect(await parseInputOption(undefined)).toEqual({});
  });

  it('parses inline JSON', async () => {
    expect(await parseInputOption('{"amount": 5}')).toEqual({ amount: 5 });
  });

  it('reads @file', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'weft-input-')), 'input.json');
    await writeFile(file, '["a", 1]');
    expect(await parseInputOption(`@${file}`)).toEqual(['a', 1]);
  });

  it('rejects text that is not JSON, showing it', async () => {
    await expect(parseInputOption('{amount: 5}')).rejects.toThrow(
      /--input is not valid JSON .*: \{amount: 5\}/,
    );
  });

  it('rejects a missing @file, naming it', async () => {
    await expect(parseInputOption('@/nonexistent/in.json')).rejects.toThrow(
      "--input: cannot read '/nonexistent/in.json'",
    );
  });
});
