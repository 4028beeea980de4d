import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = new URL('../../..', import.meta.url).pathname;

async function weftDev(args: string[]): Promise<{ code: number; stderr: string }> {
  return run(process.execPath, ['bin/weft.js', 'dev', ...args], { cwd: root }).then(
    () => ({ code: 0, stderr: '' }),
    (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
  );
}

describe('weft dev: user mistakes', () => {
  it('rejects a port that is not a number', async () => {
    const result = await weftDev(['--port', 'eighty']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("weft: --port must be a port number (0 to 65535), got 'eighty'");
  });

  it('names the handlers a module lacks, before starting anything', async () => {
    const result = await weftDev([
      '--workflows',
      'test/fixtures/api/workflows',
      '--handlers',
      'examples/loan_approval/handlers.ts',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^weft: missing .*'hello'/m);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
