import { describe, expect, it } from 'vitest';
import { UserInputError } from '../../../src/errors.ts';
import { createTriggerHandler, triggerIdempotencyKey } from '../../../src/triggers/index.ts';
import { MAX_PAYLOAD_DEPTH } from '../../../src/triggers/trigger-handler.ts';
import { catalogOf, chainPlan, FakeRuntime } from '../../support/fake-runtime.ts';

const orders = chainPlan('on_order', ['charge'], {
  triggers: [
    { pattern: { source: ['shop'], 'detail-type': ['Order Placed'] }, input: { orderId: '$.detail.id' } },
    { pattern: { source: ['shop'] } },
  ],
});
const audit = chainPlan('audit', ['log'], { triggers: [{ pattern: { source: [{ prefix: 'sh' }] } }] });
const nightly = chainPlan('nightly', ['sweep'], { schedules: ['rate(1 day)'] });
const plans = catalogOf([orders, audit, nightly]);

const placed = { id: 'evt-1', source: 'shop', 'detail-type': 'Order Placed', detail: { id: 'o-9' } };

describe('createTriggerHandler', () => {
  it('starts every workflow whose trigger matches, once each, mapping the input', async () => {
    const runtime = new FakeRuntime(plans);
    const started = await createTriggerHandler({ runtime, plans })(placed);
    expect(started.map((run) => run.workflow)).toEqual(['on_order', 'audit']);
    expect(runtime.submissions).toEqual([
      {
        workflow: 'on_order',
        input: { orderId: 'o-9' },
        idempotencyKey: triggerIdempotencyKey('on_order', 'evt-1'),
      },
      { workflow: 'audit', input: { id: 'o-9' }, idempotencyKey: triggerIdempotencyKey('audit', 'evt-1') },
    ]);
  });

  it('starts nothing new when the same event is delivered again', async () => {
    const runtime = new FakeRuntime(plans);
    const handle = createTriggerHandler({ runtime, plans });
    const first = await handle(placed);
    const second = await handle(placed);
    expect(second.map((run) => run.runId)).toEqual(first.map((run) => run.runId));
    expect(second.every((run) => !run.created)).toBe(true);
    expect(runtime.runs.size).toBe(2);
  });

  it('starts a second run for a second event id', async () => {
    const runtime = new FakeRuntime(plans);
    const handle = createTriggerHandler({ runtime, plans });
    await handle(placed);
    await handle({ ...placed, id: 'evt-2' });
    expect(runtime.runs.size).toBe(4);
  });

  it('rejects an event nested deeper than the limit as invalid, starting nothing', async () => {
    const runtime = new FakeRuntime(plans);
    let detail: unknown = 'bottom';
    for (let level = 0; level < 5_000; level++) detail = [detail];
    const delivery = createTriggerHandler({ runtime, plans })({
      weft: { workflow: 'on_order', trigger: 0 },
      event: { ...placed, detail },
    });
    await expect(delivery).rejects.toThrow(UserInputError);
    await expect(delivery).rejects.toMatchObject({ code: 'trigger.invalidEvent' });
    expect(runtime.submissions).toEqual([]);
  });

  it('accepts a wrapped event nested as deep as the limit', async () => {
    const runtime = new FakeRuntime(plans);
    let detail: unknown = 'bottom';
    // the wrapper and the event are two levels: MAX_PAYLOAD_DEPTH - 2 are left for the detail
    for (let level = 0; level < MAX_PAYLOAD_DEPTH - 2; level++) detail = [detail];
    const started = await createTriggerHandler({ runtime, plans })({
      weft: { workflow: 'on_order', trigger: 1 },
      event: { ...placed, detail },
    });
    expect(started).toHaveLength(1);
  });

  it('starts nothing for an event no trigger matches', async () => {
    const runtime = new FakeRuntime(plans);
    expect(await createTriggerHandler({ runtime, plans })({ id: 'e', source: 'billing' })).toEqual([]);
  });

  it('starts only the workflow a rule was made for, with that trigger mapping', async () => {
    const runtime = new FakeRuntime(plans);
    const started = await createTriggerHandler({ runtime, plans })({
      weft: { workflow: 'on_order', trigger: 1 },
      event: placed,
    });
    expect(started).toHaveLength(1);
    expect(runtime.submissions[0]).toMatchObject({ workflow: 'on_order', input: { id: 'o-9' } });
  });

  it('starts a scheduled workflow with the schedule and time as input', async () => {
    const runtime = new FakeRuntime(plans);
    await createTriggerHandler({ runtime, plans })({
      weft: { workflow: 'nightly', schedule: 'rate(1 day)' },
      event: { id: 'sched-1', source: 'aws.events', time: '2026-11-27T00:00:00Z', detail: {} },
    });
    expect(runtime.submissions).toEqual([
      {
        workflow: 'nightly',
        input: { schedule: 'rate(1 day)', time: '2026-11-27T00:00:00Z' },
        idempotencyKey: triggerIdempotencyKey('nightly', 'sched-1'),
      },
    ]);
  });

  it('rejects an event without an id', async () => {
    const handle = createTriggerHandler({ runtime: new FakeRuntime(plans), plans });
    await expect(handle({ source: 'shop' })).rejects.toThrow(UserInputError);
  });

  it('rejects a rule naming a workflow this deployment lacks', async () => {
    const handle = createTriggerHandler({ runtime: new FakeRuntime(plans), plans });
    await expect(handle({ weft: { workflow: 'gone', trigger: 0 }, event: placed })).rejects.toThrow(/gone/);
  });

  it('fails after submitting the other matches when one submission fails', async () => {
    const runtime = new FakeRuntime(plans);
    const submit = runtime.submit.bind(runtime);
    runtime.submit = async (request) => {
      if (request.workflow === 'audit') throw new Error('throttled');
      return submit(request);
    };
    await expect(createTriggerHandler({ runtime, plans })(placed)).rejects.toThrow('throttled');
    expect([...runtime.runs.values()].map((run) => run.workflow)).toEqual(['on_order']);
  });
});
