import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { registerCallback } from '../../../src/cli/commands/callback.ts';
import { captureIo, closeFakeApi, credentials, fakeApi } from '../../support/fake-api.ts';

afterEach(closeFakeApi);

async function callback(args: string[]) {
  const io = captureIo();
  const program = new Command('weft').exitOverride();
  registerCallback(program, io, { credentials: () => async () => credentials, sleep: async () => {} });
  await program.parseAsync(['callback', ...args], { from: 'user' });
  return io;
}

describe('weft callback --endpoint', () => {
  it('posts the output to the callback route, signed, and prints the answer', async () => {
    const api = await fakeApi(() => ({
      status: 200,
      body: { runId: 'r1', taskId: 'a', status: 'succeeded' },
    }));
    const io = await callback([
      'wcb1.x',
      '--output',
      '{"ok":true}',
      '--endpoint',
      api.url,
      '--region',
      'us-east-1',
    ]);
    expect(api.seen.map((seen) => [seen.method, seen.url, seen.body, seen.signatureValid])).toEqual([
      ['POST', '/callbacks/wcb1.x', '{"output":{"ok":true}}', true],
    ]);
    expect(JSON.parse(io.stdout.join(''))).toEqual({ runId: 'r1', taskId: 'a', status: 'succeeded' });
  });

  it('beats the heartbeat unsigned with --unsigned', async () => {
    const api = await fakeApi(() => ({ status: 200, body: { runId: 'r1', taskId: 'a', status: 'waiting' } }));
    await callback(['wcb1.x', '--heartbeat', '--endpoint', api.url, '--unsigned']);
    expect(api.seen.map((seen) => [seen.url, seen.headers.authorization])).toEqual([
      ['/callbacks/wcb1.x/heartbeat', undefined],
    ]);
  });
});
