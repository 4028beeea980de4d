import type { z } from 'zod';
import type { CompensationEvent, Json, TaskContext, TaskEvent } from '../runtime/types.ts';
import {
  HandlerValidationError,
  type ValidatedField,
  type ValidationIssue,
} from './handler-validation-error.ts';

/** A task event whose `input` and `deps` have the types of a typed handler's schemas. */
export interface TypedTaskEvent<Input, Deps> extends Omit<TaskEvent, 'input' | 'deps'> {
  readonly input: Input;
  readonly deps: Deps;
}

/** A compensation event whose `input`, `deps` and `output` (the undone task's) have the schemas' types. */
export interface TypedCompensationEvent<Input, Deps, Output>
  extends Omit<CompensationEvent, 'input' | 'deps' | 'output'> {
  readonly input: Input;
  readonly deps: Deps;
  readonly output: Output;
}

/** The schemas of a typed handler; each is optional (the field then keeps its untyped JSON type). */
export interface HandlerSchemas<Input extends z.ZodType, Deps extends z.ZodType, Output extends z.ZodType> {
  /** The run's input (`event.input`). */
  readonly input?: Input;
  /** The dependencies' outputs by task id (`event.deps`), e.g. `z.object({ credit_check: ... })`. */
  readonly deps?: Deps;
  /** What the handler returns: the task's checkpoint, checked before it is recorded. */
  readonly output?: Output;
}

/** The schemas of a typed compensation: `output` is the output of the task being undone. */
export interface CompensationSchemas<
  Input extends z.ZodType,
  Deps extends z.ZodType,
  Output extends z.ZodType,
> {
  readonly input?: Input;
  readonly deps?: Deps;
  /** The undone task's output (`event.output`). */
  readonly output?: Output;
}

/** What `defineHandler` returns: an ordinary task handler, to be exported from the handlers module. */
export type TypedTaskHandler<Output> = (event: TaskEvent, ctx: TaskContext) => Promise<Output>;

/** What `defineCompensation` returns: an ordinary compensation handler. */
export type TypedCompensationHandler<Result> = (
  event: CompensationEvent,
  ctx: TaskContext,
) => Promise<Result>;

type AnyJson = z.ZodType<Json>;
type AnyDeps = z.ZodType<Readonly<Record<string, Json>>>;

/**
 * A task handler whose `event.input`, `event.deps` and result are typed from zod schemas and checked at run
 * time. A value that does not match fails the attempt with a `HandlerValidationError` naming the task and
 * the field, which is never retried: the task fails and the run rolls back. The handler receives the parsed
 * values (defaults applied, unknown keys stripped) and its parsed result is the task's checkpoint.
 *
 * @example
 * import { defineHandler } from 'weft-run/handlers';
 * import { z } from 'zod';
 *
 * export const credit_check = defineHandler({
 *   input: z.object({ applicant: z.object({ id: z.string(), annual_income: z.number() }) }),
 *   output: z.object({ score: z.number().int() }),
 * })(async (event, ctx) => {
 *   // event.input.applicant.id is a string; ctx.idempotencyKey makes the bureau call idempotent
 *   return { score: 712 };
 * });
 */
export function defineHandler<
  Input extends z.ZodType = AnyJson,
  Deps extends z.ZodType = AnyDeps,
  Output extends z.ZodType = z.ZodType<unknown>,
>(
  schemas: HandlerSchemas<Input, Deps, Output>,
): (
  handler: (
    event: TypedTaskEvent<z.output<Input>, z.output<Deps>>,
    ctx: TaskContext,
  ) => z.input<Output> | Promise<z.input<Output>>,
) => TypedTaskHandler<z.output<Output>> {
  return (handler) => async (event, ctx) => {
    const check = checker(event.taskId, 'handler');
    const input = await check(schemas.input, event.input, 'input');
    const deps = await check(schemas.deps, event.deps, 'deps');
    const result = await handler({ ...event, input, deps }, ctx);
    return check(schemas.output, result, 'output');
  };
}

/**
 * A compensation handler whose `event.input`, `event.deps` and `event.output` (the output of the task it
 * undoes) are typed from zod schemas and checked before it runs, as `defineHandler` does; a mismatch is a
 * `HandlerValidationError`, not retried, and the rollback is incomplete.
 *
 * @example
 * export const revert_credit_query = defineCompensation({
 *   output: z.object({ score: z.number() }),
 * })(async (event, ctx) => {
 *   // event.output.score is the credit_check's recorded score
 * });
 */
export function defineCompensation<
  Input extends z.ZodType = AnyJson,
  Deps extends z.ZodType = AnyDeps,
  Output extends z.ZodType = AnyJson,
>(
  schemas: CompensationSchemas<Input, Deps, Output>,
): <Result>(
  handler: (
    event: TypedCompensationEvent<z.output<Input>, z.output<Deps>, z.output<Output>>,
    ctx: TaskContext,
  ) => Result | Promise<Result>,
) => TypedCompensationHandler<Result> {
  return (handler) => async (event, ctx) => {
    const check = checker(event.taskId, 'compensation');
    const input = await check(schemas.input, event.input, 'input');
    const deps = await check(schemas.deps, event.deps, 'deps');
    const output = await check(schemas.output, event.output, 'output');
    return handler({ ...event, input, deps, output }, ctx);
  };
}

function checker(taskId: string, role: 'handler' | 'compensation') {
  return async <Schema extends z.ZodType>(
    schema: Schema | undefined,
    value: unknown,
    field: ValidatedField,
  ): Promise<z.output<Schema>> => {
    if (schema === undefined) return value as z.output<Schema>;
    const parsed = await schema.safeParseAsync(value);
    if (parsed.success) return parsed.data;
    const issues = parsed.error.issues.map(
      (issue): ValidationIssue => ({
        path: issue.path.map((key) => (typeof key === 'symbol' ? key.toString() : key)),
        message: issue.message,
      }),
    );
    throw new HandlerValidationError(taskId, field, issues, role);
  };
}
