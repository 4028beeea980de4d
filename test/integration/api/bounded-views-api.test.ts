import { describe, expect, inject, it } from 'vitest';
import {
  type ApiEvent,
  type ApiResult,
  type ApiRunView,
  createApiHandler,
  MAX_VIEW_BYTES,
} from '../../../src/api/index.ts';
import type { HistoryEvent, Json, TaskEvent } from '../../../src/runtime/types.ts';
import { catalog, createBench, type Endpoints, plan } from '../engine/harness.ts';

/**
 * Every answer under Lambda's 6 MB, over the real runtime: a run whose outputs total 7.25 MB is read, cancelled
 * and rolled back in views that link the outputs they leave out, each readable through its link; its history
 * comes back in pages that put it together exactly.
 */
const LAMBDA_RESPONSE_LIMIT = 6 * 1024 * 1024;
const WIDTH = 25;
const OUTPUT_BYTES = 290 * 1024;
const taskIds = Array.from({ length: WIDTH }, (_, i) => `big_${String(i).padStart(2, '0')}`);

const wide = plan(`workflow:
  name: wide
  on_failure: pause
  tasks:
${taskIds.map((id) => `    - id: ${id}\n      handler: big\n      compensation: undo`).join('\n')}
    - id: last
`);

/** A distinct output per task, `OUTPUT_BYTES` long as JSON. */
const outputFor = (taskId: string): Json => ({ taskId, fill: taskId.slice(-1).repeat(OUTPUT_BYTES - 40) });

function get(rawPath: string, rawQueryString?: string): ApiEvent {
  return {
    rawPath,
    ...(rawQueryString === undefined ? {} : { rawQueryString }),
    requestContext: { http: { method: 'GET' }, requestId: 'req' },
  };
}

interface HistoryPageBody {
  readonly runId: string;
  readonly events: HistoryEvent[];
  readonly next?: string;
}

const post = (rawPath: string): ApiEvent => ({ rawPath, requestContext: { http: { method: 'POST' } } });

function bodyOf<T>(result: ApiResult): T {
  expect(result.statusCode, result.body.slice(0, 300)).toBe(200);
  expect(Buffer.byteLength(result.body)).toBeLessThan(LAMBDA_RESPONSE_LIMIT);
  return JSON.parse(result.body) as T;
}

async function pausedWideRun(endpoints: Endpoints) {
  const plans = catalog(wide);
  let ran = 0;
  const bench = await createBench(endpoints, plans, {
    big: (event: TaskEvent) => {
      ran += 1;
      return outputFor(event.taskId);
    },
    undo: () => null,
    // fails once every big task has returned, so the run pauses with all their outputs
    last: async () => {
      while (ran < WIDTH) await new Promise((resolve) => setTimeout(resolve, 10));
      throw new Error('the last step fails');
    },
  });
  const runtime = bench.runtime();
  const handle = createApiHandler({ runtime, plans });
  const { runId } = await runtime.submit({ workflow: 'wide', input: { order: 9 } });
  await bench.drive(runtime, async () => {
    const view = await runtime.getRun(runId);
    const done = taskIds.filter((id) => view?.tasks[id]?.status === 'succeeded');
    return view?.status === 'paused' && done.length === WIDTH;
  });
  return { bench, runtime, handle, runId };
}

/** Every omitted output of the view, read through its link, equals the task's output. */
async function expectLinkedOutputs(handle: (event: ApiEvent) => Promise<ApiResult>, view: ApiRunView) {
  const omitted = Object.entries(view.tasks).filter(([, task]) => task.outputOmitted !== undefined);
  for (const [taskId, task] of omitted) {
    const href = task.outputOmitted?.href ?? '';
    const answer = bodyOf<{ runId: string; taskId: string; output: Json }>(await handle(get(href)));
    expect(answer).toEqual({ runId: view.runId, taskId, output: outputFor(taskId) });
    expect(task.outputOmitted?.bytes).toBe(Buffer.byteLength(JSON.stringify(answer.output)));
  }
  return omitted.length;
}

const backends: [string, () => Endpoints][] = [
  ['sqlite', () => ({ kind: 'sqlite' })],
  ['dynalite', () => ({ dynamodb: inject('dynamodbEndpoint'), sqs: inject('sqsEndpoint') })],
];

describe.each(backends)('bounded answers on %s', (_, endpoints) => {
  it('reads, rolls back and cancels a run of 7.25 MB of outputs in views under the limit', async () => {
    const { bench, runtime, handle, runId } = await pausedWideRun(endpoints());
    const full = await runtime.getRun(runId);
    expect(Buffer.byteLength(JSON.stringify(full))).toBeGreaterThan(7 * 1024 * 1024);

    const view = bodyOf<ApiRunView>(await handle(get(`/workflows/wide/runs/${runId}`)));
    expect(view).toMatchObject({ runId, status: 'paused', input: { order: 9 } });
    expect(JSON.stringify(view).length).toBeLessThan(MAX_VIEW_BYTES);
    for (const id of taskIds) {
      const task = view.tasks[id];
      expect(task?.status).toBe('succeeded');
      // each task either carries its output or links it
      expect(task?.output === undefined).toBe(task?.outputOmitted !== undefined);
    }
    expect(await expectLinkedOutputs(handle, view)).toBeGreaterThanOrEqual(WIDTH - 3);

    const rolledBack = bodyOf<ApiRunView>(await handle(post(`/workflows/wide/runs/${runId}/rollback`)));
    expect(rolledBack.status).not.toBe('paused');
    await bench.runToEnd(runtime, runId);
    const cancelled = bodyOf<ApiRunView>(await handle(post(`/workflows/wide/runs/${runId}/cancel`)));
    expect(cancelled).toMatchObject({ status: 'failed', rollback: 'completed' });
    expect(await expectLinkedOutputs(handle, cancelled)).toBeGreaterThanOrEqual(WIDTH - 3);

    const missing = await handle(get(`/workflows/wide/runs/${runId}/tasks/nope/output`));
    expect([
      missing.statusCode,
      (JSON.parse(missing.body) as { error: { code: string } }).error.code,
    ]).toEqual([404, 'task.notFound']);
  });

  it('pages the history, in Lamport order, back to exactly what the runtime holds', async () => {
    const { runtime, handle, runId } = await pausedWideRun(endpoints());
    const expected = await runtime.history(runId);
    const events: HistoryEvent[] = [];
    let next: string | undefined = '';
    let pages = 0;
    while (next !== undefined && pages <= (expected?.length ?? 0)) {
      const page: HistoryPageBody = bodyOf<HistoryPageBody>(
        await handle(
          get(`/workflows/wide/runs/${runId}/history`, `limit=7&next=${encodeURIComponent(next)}`),
        ),
      );
      expect(page.runId).toBe(runId);
      expect(page.events.length).toBeLessThanOrEqual(7);
      events.push(...page.events);
      next = page.next;
      pages += 1;
    }
    expect(events).toEqual(expected);
    expect(pages).toBe(Math.ceil(events.length / 7));
    const whole = bodyOf<{ events: HistoryEvent[]; next?: string }>(
      await handle(get(`/workflows/wide/runs/${runId}/history`)),
    );
    expect([whole.events, whole.next]).toEqual([expected, undefined]);
  });
});
