import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { registerHistory } from '../../../src/cli/commands/history.ts';
import type { CliIo } from '../../../src/cli/io.ts';
import { captureIo, closeFakeApi, credentials, fakeApi } from '../../support/fake-api.ts';

afterEach(closeFakeApi);

async function history(args: string[], io: CliIo): Promise<void> {
  const program = new Command('weft').exitOverride();
  registerHistory(program, io, { credentials: () => async () => credentials, sleep: async () => {} });
  await program.parseAsync(['history', ...args], { from: 'user' });
}

const event = (lamport: number) => ({ lamport, at: '2026-01-01T00:00:00.000Z', type: 'task.claimed' });

describe('weft history --endpoint', () => {
  it('follows the pages of a deployed API, signed, and prints them as one JSON array, page by page', async () => {
    const pages: Record<string, { events: unknown[]; next?: string }> = {
      '/workflows/orders/runs/r%3A1/history': { events: [event(1), event(2)], next: 'c/1' },
      '/workflows/orders/runs/r%3A1/history?next=c%2F1': { events: [event(3)], next: 'c2' },
      '/workflows/orders/runs/r%3A1/history?next=c2': { events: [] },
    };
    const api = await fakeApi((seen) => ({ status: 200, body: pages[seen.url] ?? { error: seen.url } }));
    const io = captureIo();
    await history(['r:1', '--workflow', 'orders', '--endpoint', api.url, '--region', 'eu-west-1'], io);
    expect(api.seen.map((seen) => seen.url)).toEqual(Object.keys(pages));
    expect(api.seen.every((seen) => seen.signatureValid)).toBe(true);
    const events = [event(1), event(2), event(3)];
    expect(io.stdout.join('')).toBe(`${JSON.stringify(events, null, 2)}\n`);
    expect(io.stdout.length).toBe(3);
  });

  it("fails with the API's message, printing nothing, for an unknown run", async () => {
    const api = await fakeApi(() => ({
      status: 404,
      body: { error: { code: 'run.notFound', message: 'no run with id "nope"' } },
    }));
    const io = captureIo();
    await expect(
      history(['nope', '--workflow', 'orders', '--endpoint', api.url, '--unsigned'], io),
    ).rejects.toThrow(/404 run.notFound: no run with id "nope"/);
    expect(io.stdout).toEqual([]);
  });

  it('refuses --endpoint without --workflow, calling nothing', async () => {
    const api = await fakeApi(() => ({ status: 200, body: { events: [] } }));
    const io = captureIo();
    await expect(history(['r1', '--endpoint', api.url, '--unsigned'], io)).rejects.toThrow(
      /--endpoint needs --workflow <name>/,
    );
    expect(api.seen).toEqual([]);
  });
});
