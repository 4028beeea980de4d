import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { runThroughWorker } from '../../../src/lambda/sync-invoke.ts';
import { silentLogger } from '../../../src/runtime/metrics.ts';
import type { Plan } from '../../../src/workflow/plan.ts';
import { catalogOf, chainPlan, FakeRuntime } from '../../support/fake-runtime.ts';

const lambda = mockClient(LambdaClient);
afterEach(() => lambda.reset());

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const sync: Plan = { ...chainPlan('pay', ['charge']), mode: 'sync', offPath: [] };
const plans = catalogOf([sync, chainPlan('report', ['build'])]);

function setUp() {
  const runtime = new FakeRuntime(plans);
  const run = runThroughWorker(
    runtime,
    plans,
    new LambdaClient({ region: 'us-east-1' }),
    'Worker',
    silentLogger,
  );
  return { runtime, run };
}

describe('runThroughWorker', () => {
  it('has the worker run a sync submission, with the run id chosen first, and reads the run it answers with', async () => {
    const { runtime, run } = setUp();
    lambda.on(InvokeCommand).callsFake(async (input: { Payload: Uint8Array }) => {
      const payload = JSON.parse(new TextDecoder().decode(input.Payload)) as { request: { runId: string } };
      await runtime.submit(payload.request as never);
      return {
        StatusCode: 200,
        Payload: encode({ runId: payload.request.runId, created: true, kind: 'settled' }),
      };
    });
    const answer = await run({ workflow: 'pay', input: { n: 1 } }, { waitMs: 25_000 });
    const input = lambda.commandCalls(InvokeCommand)[0]?.args[0].input;
    expect(input?.FunctionName).toBe('Worker');
    const sent = JSON.parse(new TextDecoder().decode(input?.Payload as Uint8Array));
    expect(sent).toEqual({
      weft: 'run',
      request: { workflow: 'pay', input: { n: 1 }, runId: answer.runId },
      waitMs: 25_000,
    });
    expect(answer).toMatchObject({
      kind: 'settled',
      created: true,
      view: { workflow: 'pay', status: 'running' },
    });
  });

  it('submits the same run itself when the worker cannot take it, for the caller to poll', async () => {
    const { runtime, run } = setUp();
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: encode({ errorType: 'Error', errorMessage: 'Task timed out' }) as never,
    });
    const answer = await run({ workflow: 'pay', input: {}, runId: 'r-1' }, { waitMs: 25_000 });
    expect(answer).toEqual({ runId: 'r-1', created: true, kind: 'pending' });
    expect(runtime.submissions).toEqual([{ workflow: 'pay', input: {}, runId: 'r-1' }]);
  });

  it('answers an async workflow, or a sync one asked not to wait, here, invoking nothing', async () => {
    const { run } = setUp();
    await run({ workflow: 'report', input: {} }, { waitMs: 0 });
    await run({ workflow: 'pay', input: {} }, { waitMs: 0 });
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
  });
});
