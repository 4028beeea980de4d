import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { weft } from '../../support/weft-in-process.ts';
import { call, type DevProcess, startWeftDev, waitForRun } from './dev-server.ts';

let dev: DevProcess;

beforeAll(async () => {
  dev = await startWeftDev();
});

afterAll(async () => {
  expect(await dev?.stop()).toBe(0);
});

describe('weft dev: POST /workflows/{name}/runs?wait=', () => {
  it('answers 200 with the final run when it ends within the wait', async () => {
    const started = Date.now();
    const { status, body } = await call(dev.url, 'POST', '/workflows/greet/runs?wait=20', {
      input: { name: 'ada' },
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      workflow: 'greet',
      status: 'succeeded',
      tasks: { world: { status: 'succeeded', output: 'hello ada!' } },
    });
    // woken by the run's last write, not by a poll interval
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('answers 202 with the Location of a run still going at the end of the wait', async () => {
    const response = await fetch(`${dev.url}/workflows/slow/runs?wait=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ input: {} }),
    });
    expect(response.status).toBe(202);
    const body = (await response.json()) as { runId: string; created: boolean };
    expect(body.created).toBe(true);
    expect(response.headers.get('location')).toBe(`/workflows/slow/runs/${body.runId}`);
  });

  it('waits for a task that runs in a worker thread (isolation: thread) as for any', async () => {
    const { status, body } = await call(dev.url, 'POST', '/workflows/crunch/runs?wait=20', {
      input: { n: 1 },
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'succeeded', tasks: { crunch: { output: { thread: true } } } });
  });

  it('answers a mode: sync workflow without ?wait= once its critical path is final, naming what still runs', async () => {
    const { status, body } = await call(dev.url, 'POST', '/workflows/sync_greet/runs', {
      input: { name: 'cy' },
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      workflow: 'sync_greet',
      tasks: { hello: { status: 'succeeded' }, world: { status: 'succeeded', output: 'hello cy!' } },
      answered: { pending: ['later'] },
    });
    const done = await waitForRun(dev.url, 'sync_greet', String(body.runId));
    expect(done).toMatchObject({
      status: 'succeeded',
      tasks: { later: { status: 'succeeded', output: 'waited' } },
    });
  });

  it('answers a mode: sync workflow at once with ?wait=0: the run goes on through the queue', async () => {
    const { status, body } = await call(dev.url, 'POST', '/workflows/sync_greet/runs?wait=0', { input: {} });
    expect(status).toBe(202);
    expect(body).toMatchObject({ workflow: 'sync_greet', created: true });
    expect(await waitForRun(dev.url, 'sync_greet', String(body.runId))).toMatchObject({
      status: 'succeeded',
    });
  });

  it('refuses a wait over 25 s with a 400 naming the limit', async () => {
    const { status, body } = await call(dev.url, 'POST', '/workflows/greet/runs?wait=29', { input: {} });
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: 'request.invalid', field: 'wait' });
    expect(String((body.error as { message: string }).message)).toMatch(/from 0 to 25/);
  });

  it('serves weft submit --wait in one request when the run ends within the wait', async () => {
    const { code, out } = await weft(
      'submit',
      'greet',
      '--endpoint',
      dev.url,
      '--unsigned',
      '--wait',
      '--input',
      '{"name":"bo"}',
    );
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ status: 'succeeded', tasks: { world: { output: 'hello bo!' } } });
  });
});
