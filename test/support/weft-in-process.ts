import type { CliIo } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';

/** Runs `weft <args>` in this process and captures what it printed and its exit status. */
export async function weft(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = {
    out: (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
    errIsTty: false,
    exitCode: 0,
  };
  const code = await main(['node', 'weft', ...args], io);
  return { code, out, err };
}
