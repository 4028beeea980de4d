import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, type DevProcess, startWeftDev, waitForRun } from './dev-server.ts';

const GREET = '/workflows/greet/runs';

let dev: DevProcess;

beforeAll(async () => {
  dev = await startWeftDev();
});

afterAll(async () => {
  expect(await dev?.stop()).toBe(0);
});

describe('weft dev: the HTTP API', () => {
  it('submits a run and polls it to completion', async () => {
    const submitted = await call(dev.url, 'POST', GREET, { input: { name: 'ada' } });
    expect(submitted.status).toBe(201);
    const runId = String(submitted.body.runId);
    const run = await waitForRun(dev.url, 'greet', runId);
    expect(run).toMatchObject({
      runId,
      workflow: 'greet',
      status: 'succeeded',
      tasks: {
        hello: { status: 'succeeded', output: { greeting: 'hello ada' } },
        world: { output: 'hello ada!' },
      },
    });
  });

  it('returns the history in Lamport order', async () => {
    const { body } = await call(dev.url, 'POST', GREET, { input: {} });
    await waitForRun(dev.url, 'greet', String(body.runId));
    const history = await call(dev.url, 'GET', `${GREET}/${String(body.runId)}/history`);
    expect(history.status).toBe(200);
    const events = history.body.events as { lamport: number; type: string }[];
    expect(events.length).toBeGreaterThan(2);
    const clocks = events.map((event) => event.lamport);
    expect(clocks).toEqual([...clocks].sort((a, b) => a - b));
    // the query string reaches the handler: the same events, two to a page
    const paged: unknown[] = [];
    for (let next = ''; paged.length < events.length; ) {
      const page = await call(dev.url, 'GET', `${GREET}/${String(body.runId)}/history?limit=2&next=${next}`);
      expect((page.body.events as unknown[]).length).toBeLessThanOrEqual(2);
      paged.push(...(page.body.events as unknown[]));
      next = String(page.body.next ?? '');
      if (next === '') break;
    }
    expect(paged).toEqual(events);
    const refused = await call(dev.url, 'GET', `${GREET}/${String(body.runId)}/history?limit=zero`);
    expect([refused.status, (refused.body.error as { code: string }).code]).toEqual([
      400,
      'history.invalidLimit',
    ]);
  });

  it('maps the same Idempotency-Key to the same run', async () => {
    const send = () =>
      call(dev.url, 'POST', GREET, { input: { n: 1 } }, { 'Idempotency-Key': 'contract-key-1' });
    const first = await send();
    const second = await send();
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.body.runId).toBe(first.body.runId);
    expect(second.body.created).toBe(false);
  });

  it('answers 409 for the same key with a different input', async () => {
    const send = (n: number) =>
      call(dev.url, 'POST', GREET, { input: { n } }, { 'Idempotency-Key': 'contract-key-2' });
    expect((await send(1)).status).toBe(201);
    const conflict = await send(2);
    expect(conflict.status).toBe(409);
    expect(conflict.body.error).toMatchObject({ code: 'run.conflict' });
  });

  it('answers 409 for the same runId with a different input, 200 with the same', async () => {
    const send = (n: number) => call(dev.url, 'POST', GREET, { input: { n }, runId: 'contract-run-1' });
    expect((await send(1)).status).toBe(201);
    expect((await send(1)).status).toBe(200);
    expect((await send(2)).status).toBe(409);
  });

  it('answers 400 for malformed JSON', async () => {
    const result = await call(dev.url, 'POST', GREET, '{"input": ');
    expect(result.status).toBe(400);
    expect(result.body.error).toMatchObject({ code: 'request.malformedJson' });
  });

  it('answers 400 naming the field for a schema error', async () => {
    const result = await call(dev.url, 'POST', GREET, { runId: 42 });
    expect(result.status).toBe(400);
    expect(result.body.error).toMatchObject({ code: 'request.invalid', field: 'runId' });
  });

  it('answers 404 for an unknown workflow and an unknown run', async () => {
    expect((await call(dev.url, 'POST', '/workflows/nope/runs', {})).status).toBe(404);
    expect((await call(dev.url, 'GET', `${GREET}/no-such-run`)).status).toBe(404);
    expect((await call(dev.url, 'GET', `${GREET}/no-such-run/history`)).status).toBe(404);
    expect((await call(dev.url, 'POST', `${GREET}/no-such-run/cancel`)).status).toBe(404);
  });

  it('answers 413 for a body over 256 KB', async () => {
    const result = await call(dev.url, 'POST', GREET, {
      input: { blob: 'x'.repeat(300_000) },
    });
    expect(result.status).toBe(413);
  });

  it('says when each cron schedule fires next, at start', () => {
    expect(dev.stderr()).toMatch(
      /weft dev: schedule cron\(0 2 \* \* \? \*\) of greet fires next at \d{4}-\d\d-\d\dT02:00:00Z\n/,
    );
  });

  it('lists the workflows', async () => {
    const result = await call(dev.url, 'GET', '/workflows');
    expect(result.status).toBe(200);
    expect((result.body.workflows as { name: string }[]).map((w) => w.name)).toEqual([
      'crunch',
      'greet',
      'on_order',
      'slow',
      'sync_greet',
    ]);
  });

  it('cancels a running run: the task after the running one never starts', async () => {
    const { body } = await call(dev.url, 'POST', '/workflows/slow/runs', { input: {} });
    const runId = String(body.runId);
    let waitStatus = 'pending';
    while (waitStatus === 'pending' || waitStatus === 'ready') {
      const run = await call(dev.url, 'GET', `/workflows/slow/runs/${runId}`);
      waitStatus = String((run.body.tasks as Record<string, { status: string }>).wait?.status);
      if (waitStatus !== 'running') await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // The handler runs for 3 s unless aborted: seen running, it is still running when the cancel lands.
    expect(waitStatus).toBe('running');
    const cancelled = await call(dev.url, 'POST', `/workflows/slow/runs/${runId}/cancel`);
    expect(cancelled.status).toBe(200);
    const run = await waitForRun(dev.url, 'slow', runId);
    expect(run.status).toBe('cancelled');
    expect((run.tasks as Record<string, { status: string }>).after_wait?.status).toMatch(
      /^(skipped|cancelled)$/,
    );
  });
});

describe('weft dev: POST /events', () => {
  const order = (id: string) => ({
    id,
    source: 'shop',
    'detail-type': 'Order Placed',
    detail: { id: `order-${id}`, total: 12 },
  });

  it('starts the matching workflow once per event id, with the mapped input', async () => {
    const first = await call(dev.url, 'POST', '/events', order('evt-1'));
    const again = await call(dev.url, 'POST', '/events', order('evt-1'));
    expect(first.status).toBe(200);
    const [firstRun] =
      (first.body.events as { runs: { workflow: string; runId: string; created: boolean }[] }[])[0]?.runs ??
      [];
    const [againRun] =
      (again.body.events as { runs: { runId: string; created: boolean }[] }[])[0]?.runs ?? [];
    expect(firstRun).toMatchObject({ workflow: 'on_order', created: true });
    expect(againRun).toMatchObject({ runId: firstRun?.runId, created: false });
    const run = await waitForRun(dev.url, 'on_order', String(firstRun?.runId));
    expect(run).toMatchObject({ status: 'succeeded', input: { order: 'order-evt-1' } });
    const other = await call(dev.url, 'POST', '/events', order('evt-2'));
    const [otherRun] = (other.body.events as { runs: { runId: string }[] }[])[0]?.runs ?? [];
    expect(otherRun?.runId).not.toBe(firstRun?.runId);
  });

  it('starts nothing for an event no trigger matches', async () => {
    const result = await call(dev.url, 'POST', '/events', {
      ...order('evt-3'),
      detail: { id: 'x', total: 0 },
    });
    expect(result.status).toBe(200);
    expect(result.body.events).toEqual([{ id: 'evt-3', runs: [] }]);
  });

  it('answers 400 for an event that is not an object', async () => {
    expect((await call(dev.url, 'POST', '/events', '"hello"')).status).toBe(400);
  });
});

describe('weft submit against weft dev', () => {
  const run = promisify(execFile);
  const root = new URL('../../..', import.meta.url).pathname;

  it('submits, signed with credentials from the environment, waits, and exits 0 with the result', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        'bin/weft.js',
        'submit',
        'greet',
        '--endpoint',
        dev.url,
        '--region',
        'us-east-1',
        '--input',
        '{"name":"cli"}',
        '--wait',
        '--poll-interval',
        '50',
      ],
      {
        cwd: root,
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
          AWS_SECRET_ACCESS_KEY: 'secret',
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        },
      },
    );
    expect(JSON.parse(stdout)).toMatchObject({
      status: 'succeeded',
      tasks: { world: { output: 'hello cli!' } },
    });
  });

  it('exits 1 with the API message for an unknown workflow', async () => {
    const failure = await run(
      process.execPath,
      ['bin/weft.js', 'submit', 'nope', '--endpoint', dev.url, '--unsigned'],
      {
        cwd: root,
      },
    ).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toMatch(
      /^weft: the API answered 404 workflow.unknown: no workflow named "nope"/m,
    );
  });
});
