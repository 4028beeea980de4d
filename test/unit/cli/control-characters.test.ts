import { describe, expect, it } from 'vitest';
import { weft } from '../../support/weft-in-process.ts';

/** What a terminal would act on: C0 controls but the newline, DEL, C1 controls, bidirectional overrides. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

const FILE = 'test/fixtures/cli/control-characters.yaml';

describe('control characters from user files are escaped when printed', () => {
  it('in diagnostics: ids and values of a workflow file', async () => {
    const result = await weft('validate', FILE);
    expect(result.code).toBe(1);
    expect(result.err).not.toMatch(CONTROL);
    expect(result.err).toContain("unknown task 'b\\x1b[31mRED\\x1b]0;pwned\\x07'");
    expect(result.err).toContain("got 'x\\x1b[2Jy\\u202e'");
  });

  it('in messages about a missing file', async () => {
    const result = await weft('validate', 'no/such\u001b[2J.yaml');
    expect(result.code).toBe(1);
    expect(result.err).toBe(
      "weft: cannot read workflow file 'no/such\\x1b[2J.yaml': no such file or directory\n",
    );
  });

  it('in the one-line message of a refused command: a handler name', async () => {
    const result = await weft(
      'run',
      'test/fixtures/cli/control-handler.yaml',
      '--handlers',
      'test/fixtures/cli/handlers.ts',
    );
    expect(result.code).toBe(1);
    expect(result.err).toBe(
      "weft: missing handler 'h\\x1b[31m': export it from 'test/fixtures/cli/handlers.ts'\n",
    );
  });
});
