import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiResult, MAX_SUBMIT_WAIT_SECONDS } from '../../../src/api/index.ts';
import type { TaskEvent } from '../../../src/runtime/types.ts';
import { loadPlan } from '../../../src/workflow/index.ts';
import { apiRequest, type LocalApi, openLocalApi } from '../../support/local-api.ts';

const quick = loadPlan(
  'workflow:\n  name: quick\n  tasks:\n    - id: a\n    - id: b\n      deps: [a]\n',
  'quick.yaml',
);
const held = loadPlan('workflow:\n  name: held\n  tasks:\n    - id: hold\n', 'held.yaml');
const failing = loadPlan(
  'workflow:\n  name: failing\n  tasks:\n    - id: a\n      compensation: undo_a\n    - id: boom\n      deps: [a]\n',
  'failing.yaml',
);
const wide = loadPlan(
  `workflow:\n  name: wide\n  tasks:\n${['w1', 'w2', 'w3', 'w4'].map((id) => `    - id: ${id}\n      handler: big\n`).join('')}`,
  'wide.yaml',
);

let release: () => void = () => {};
const released = new Promise<void>((resolve) => {
  release = resolve;
});
let local: LocalApi;

beforeAll(async () => {
  local = await openLocalApi([quick, held, failing, wide], {
    a: () => 'A',
    b: (event: TaskEvent) => `${String(event.deps.a)}B`,
    hold: () => released.then(() => 'held'),
    undo_a: () => null,
    boom: () => {
      throw Object.assign(new Error('no funds'), { name: 'Declined' });
    },
    big: () => ({ rows: 'x'.repeat(290 * 1024) }),
  });
});

afterAll(async () => {
  release();
  await local.close();
});

function body(result: ApiResult): Record<string, unknown> {
  return JSON.parse(result.body) as Record<string, unknown>;
}

const submit = (workflow: string, wait?: string, api = local.api) =>
  api(
    apiRequest('POST', `/workflows/${workflow}/runs`, {
      body: { input: { n: 1 } },
      ...(wait === undefined ? {} : { query: { wait } }),
    }),
  );

describe('POST /workflows/{name}/runs?wait=', () => {
  it('answers 200 with the final run view when the run ends within the wait', async () => {
    const result = await submit('quick', '10');
    expect(result.statusCode).toBe(200);
    const view = body(result);
    expect(view).toMatchObject({
      workflow: 'quick',
      status: 'succeeded',
      rollback: 'none',
      input: { n: 1 },
      tasks: { a: { status: 'succeeded', output: 'A' }, b: { status: 'succeeded', output: 'AB' } },
    });
    expect(result.headers.location).toBe(`/workflows/quick/runs/${String(view.runId)}`);
  });

  it('answers 202 with the run Location and the usual body when the run is still going at the wait', async () => {
    const started = Date.now();
    const result = await submit('held', '1');
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(result.statusCode).toBe(202);
    const answer = body(result);
    expect(answer).toEqual({ runId: answer.runId, workflow: 'held', created: true });
    expect(result.headers.location).toBe(`/workflows/held/runs/${String(answer.runId)}`);
  });

  it('waits through the rollback: a failed run answers once its compensations ran', async () => {
    const result = await submit('failing', '10');
    expect(result.statusCode).toBe(200);
    expect(body(result)).toMatchObject({
      status: 'failed',
      rollback: 'completed',
      error: { name: 'Declined', taskId: 'boom' },
      compensations: [{ task: 'a', handler: 'undo_a', status: 'succeeded' }],
    });
  });

  it('keeps the final view within the run view budget, linking the outputs that do not fit', async () => {
    const result = await submit('wide', '10');
    expect(result.statusCode).toBe(200);
    const tasks = body(result).tasks as Record<
      string,
      { output?: unknown; outputOmitted?: { href: string } }
    >;
    const omitted = Object.values(tasks).filter((task) => task.outputOmitted !== undefined);
    expect(omitted.length).toBeGreaterThan(0);
    expect(omitted[0]?.outputOmitted?.href).toMatch(/^\/workflows\/wide\/runs\/.+\/tasks\/w\d\/output$/);
  });

  it('polls the store when nothing notifies it of the run end (the Lambda function)', async () => {
    const result = await submit('quick', '10', local.polling);
    expect(result.statusCode).toBe(200);
    expect(body(result)).toMatchObject({ status: 'succeeded' });
  });

  it('answers at once with wait=0, like a submission without wait but as 202 while the run goes on', async () => {
    const result = await submit('held', '0');
    expect(result.statusCode).toBe(202);
  });

  it('answers a submission without wait as before: 201 with the Location', async () => {
    const result = await submit('held');
    expect(result.statusCode).toBe(201);
    expect(body(result)).toMatchObject({ workflow: 'held', created: true });
  });

  it.each(['26', '600', '-1', '1.5', 'soon', ''])(
    'rejects wait=%j with a 400 naming the limit, before anything starts',
    async (wait) => {
      const runId = `never-${Buffer.from(wait).toString('hex')}`;
      const result = await local.api(
        apiRequest('POST', '/workflows/quick/runs', { body: { runId }, query: { wait } }),
      );
      expect(result.statusCode).toBe(400);
      const error = body(result).error as { code: string; message: string; field: string };
      expect(error).toMatchObject({ code: 'request.invalid', field: 'wait' });
      expect(error.message).toContain(`from 0 to ${MAX_SUBMIT_WAIT_SECONDS}`);
      expect(await local.backend.runtime.getRun(runId)).toBeUndefined();
    },
  );
});
