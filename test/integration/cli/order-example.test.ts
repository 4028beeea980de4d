import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLocal } from '../../../src/index.ts';
import { weft } from '../../support/weft-in-process.ts';

const dir = 'examples/order_fulfilment';

async function stateDir(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'weft-order-')), 'state');
}

interface Result {
  status: string;
  rollback: string;
  compensations: unknown[];
  tasks: Record<string, { status: string }>;
  answered?: { pending: string[] };
}

describe('examples/order_fulfilment (mode: sync, hybrid)', () => {
  it('runs with weft run: the critical path answered first, the async tasks after', async () => {
    const { code, out } = await weft(
      'run',
      `${dir}/workflow.yaml`,
      ...[
        '--handlers',
        `${dir}/handlers.ts`,
        '--input',
        `@${dir}/input.json`,
        '--state-dir',
        await stateDir(),
      ],
    );
    expect(code).toBe(0);
    const result = JSON.parse(out) as Result;
    expect(result.status).toBe('succeeded');
    expect(result.answered?.pending).toEqual(['send_receipt', 'update_analytics']);
  });

  it('keeps the answered part when an async task fails after the answer: only what still ran is rolled back', async () => {
    const input = JSON.stringify({
      order_id: 'o-9',
      sku: 's',
      quantity: 1,
      card: 't',
      email: 'e@x',
      fail_receipt: true,
    });
    const { code, out } = await weft(
      'run',
      `${dir}/workflow.yaml`,
      ...['--handlers', `${dir}/handlers.ts`, '--input', input, '--state-dir', await stateDir()],
    );
    expect(code).toBe(2);
    const result = JSON.parse(out) as Result;
    expect(result).toMatchObject({ status: 'failed', rollback: 'none', compensations: [] });
    for (const id of ['reserve_stock', 'charge_card', 'confirm_order'])
      expect(result.tasks[id]?.status).toBe('succeeded');
    expect(result.tasks.send_receipt?.status).toBe('failed');
  });

  it("answers through openLocal's run, as the API's POST /runs does", async () => {
    const engine = await openLocal({
      workflows: `${dir}/workflow.yaml`,
      handlers: `${dir}/handlers.ts`,
      stateDir: await stateDir(),
    });
    try {
      const input = { order_id: 'o-7', sku: 'mug', quantity: 1, card: 'tok', email: 'a@b' };
      const answer = await engine.run('order_fulfilment', input, { runId: 'order-7' });
      expect(answer).toMatchObject({
        runId: 'order-7',
        created: true,
        kind: 'answered',
        pending: ['send_receipt', 'update_analytics'],
        result: { status: 'running', tasks: { confirm_order: { status: 'succeeded' } } },
      });
      expect((await engine.wait('order-7', { timeoutMs: 30_000 })).status).toBe('succeeded');
      const again = await engine.run('order_fulfilment', input, { runId: 'order-7' });
      expect(again).toMatchObject({ created: false, kind: 'settled', result: { status: 'succeeded' } });
    } finally {
      await engine.close();
    }
  });
});
