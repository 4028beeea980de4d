import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { weft } from '../../support/weft-in-process.ts';

const RUN = ['run', 'test/fixtures/cli/diamond.yaml', '--handlers', 'test/fixtures/cli/handlers.ts'];

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'weft-cli-state-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('a state dir weft cannot use is one line naming the path and the fix, exit 1', () => {
  it.each(['sqlite', 'emulators'])('a --state-dir that is a file (%s)', async (backend) => {
    const file = join(root, 'state');
    await writeFile(file, '');
    const result = await weft(...RUN, '--state-dir', file, '--backend', backend);
    expect(result).toMatchObject({ code: 1, out: '' });
    expect(result.err).toMatch(
      new RegExp(`^weft: '${file}' is a file, not a directory: [^\\n]*--state-dir[^\\n]*\\n$`),
    );
  });

  it('a corrupted weft.db, for a command that only reads', async () => {
    const dir = join(root, 'state');
    await mkdir(dir);
    await writeFile(join(dir, 'weft.db'), Buffer.alloc(4096, 0x41));
    const result = await weft('status', 'some-run', '--state-dir', dir);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(
      new RegExp(`^weft: '${join(dir, 'weft.db')}' is damaged or is not weft's [^\\n]*\\n$`),
    );
  });
});
