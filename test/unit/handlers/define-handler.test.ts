import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  type CompensationEvent,
  defineCompensation,
  defineHandler,
  HandlerValidationError,
  type Json,
  type TaskContext,
  type TaskEvent,
} from '../../../src/handlers/index.ts';

const ctx: TaskContext = {
  signal: new AbortController().signal,
  heartbeat: async () => {},
  idempotencyKey: 'run-1/credit_check',
};

function taskEvent(input: Json, deps: Record<string, Json> = {}): TaskEvent {
  return { input, deps, runId: 'run-1', taskId: 'credit_check', attempt: 1 };
}

const applicantInput = z.object({ applicant: z.object({ id: z.string(), income: z.number() }) });

describe('defineHandler', () => {
  it('passes the parsed input and deps to the handler and returns its parsed result', async () => {
    const handler = defineHandler({
      input: applicantInput,
      deps: z.object({ profile: z.object({ age: z.number() }) }),
      output: z.object({ score: z.number(), band: z.string().default('B') }),
    })(async (event) => {
      expectTypeOf(event.input.applicant.id).toEqualTypeOf<string>();
      expectTypeOf(event.deps.profile.age).toEqualTypeOf<number>();
      return { score: event.input.applicant.income / 100 + event.deps.profile.age };
    });
    const event = taskEvent(
      { applicant: { id: 'A-1', income: 50_000, extra: true } },
      { profile: { age: 40 } },
    );
    await expect(handler(event, ctx)).resolves.toEqual({ score: 540, band: 'B' });
  });

  it('leaves the fields without a schema as JSON and the result as returned', async () => {
    const handler = defineHandler({})((event) => {
      expectTypeOf(event.input).toEqualTypeOf<Json>();
      return { echoed: event.input, attempt: event.attempt };
    });
    await expect(handler(taskEvent([1, 2]), ctx)).resolves.toEqual({ echoed: [1, 2], attempt: 1 });
  });

  it('hands the context through', async () => {
    const handler = defineHandler({ input: applicantInput })((_event, context) => context.idempotencyKey);
    await expect(handler(taskEvent({ applicant: { id: 'A', income: 1 } }), ctx)).resolves.toBe(
      'run-1/credit_check',
    );
  });

  it('rejects an input that does not match, naming the task and the field, before the handler runs', async () => {
    let ran = false;
    const handler = defineHandler({ input: applicantInput })(() => {
      ran = true;
    });
    const failure = handler(taskEvent({ applicant: { id: 7, income: 1 } }), ctx);
    await expect(failure).rejects.toBeInstanceOf(HandlerValidationError);
    await expect(failure).rejects.toMatchObject({
      name: 'HandlerValidationError',
      code: 'handler.validation',
      taskId: 'credit_check',
      field: 'input',
      issues: [{ path: ['applicant', 'id'] }],
      message: expect.stringMatching(
        /^task 'credit_check': the run's input does not match .*input\.applicant\.id: /,
      ),
    });
    expect(ran).toBe(false);
  });

  it('rejects deps that do not match', async () => {
    const handler = defineHandler({ deps: z.object({ profile: z.object({ age: z.number() }) }) })(() => 1);
    await expect(handler(taskEvent({}, {}), ctx)).rejects.toMatchObject({
      field: 'deps',
      message: expect.stringContaining('deps.profile: '),
    });
  });

  it('rejects a result that does not match its output schema', async () => {
    // a cast stands in for a handler whose types lie (JavaScript, an `as`, a JSON from elsewhere)
    const handler = defineHandler({ output: z.object({ score: z.number() }) })(
      () => ({ score: 'high' }) as unknown as { score: number },
    );
    await expect(handler(taskEvent({}), ctx)).rejects.toMatchObject({
      name: 'HandlerValidationError',
      field: 'output',
      message: expect.stringContaining("fix the handler's return value"),
    });
  });
});

describe('defineCompensation', () => {
  const compensationEvent = (output: Json): CompensationEvent => ({
    input: { applicant: { id: 'A-1', income: 1 } },
    deps: {},
    output,
    runId: 'run-1',
    taskId: 'credit_check',
    attempt: 1,
  });

  it("types and checks the undone task's output", async () => {
    const undo = defineCompensation({ input: applicantInput, output: z.object({ inquiry: z.string() }) })(
      (event) => {
        expectTypeOf(event.output.inquiry).toEqualTypeOf<string>();
        return `revoked ${event.output.inquiry} of ${event.input.applicant.id}`;
      },
    );
    await expect(undo(compensationEvent({ inquiry: 'inq-1' }), ctx)).resolves.toBe('revoked inq-1 of A-1');
  });

  it("rejects an undone task's output that does not match, as the compensation's", async () => {
    const undo = defineCompensation({ output: z.object({ inquiry: z.string() }) })(() => {});
    await expect(undo(compensationEvent({}), ctx)).rejects.toMatchObject({
      field: 'output',
      message: expect.stringMatching(
        /^task 'credit_check': the undone task's output does not match the compensation's .*; make task 'credit_check' return/,
      ),
    });
  });
});
