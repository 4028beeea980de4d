import { z } from 'zod';
import type { Json } from '../runtime/types.ts';
import type { Parsed } from './body-limits.ts';

export type { Parsed, RequestProblem } from './body-limits.ts';

/** Run ids and idempotency keys become storage keys: a conservative alphabet keeps them safe everywhere. */
const ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;
const ID_RULE = 'letters, digits, `_`, `.`, `:` or `-`, 1 to 128 characters';

/** Whether a run id (or idempotency key) is acceptable. */
export function isValidId(value: string): boolean {
  return ID_PATTERN.test(value);
}

/** The body of `POST /runs`. */
export const submitBodySchema = z.strictObject({
  workflow: z.string().min(1, 'must name a workflow'),
  input: z.json().optional(),
  runId: z.string().regex(ID_PATTERN, `must be ${ID_RULE}`).optional(),
});

/** `POST /runs`, validated. */
export interface SubmitBody {
  readonly workflow: string;
  readonly input: Json;
  readonly runId?: string;
}

/** Validates a parsed `POST /runs` body; the problem names the first field at fault. */
export function parseSubmitBody(value: unknown): Parsed<SubmitBody> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return {
      ok: false,
      problem: {
        status: 400,
        code: 'request.invalid',
        message: 'request body must be a JSON object: { "workflow": "...", "input": {...}, "runId"?: "..." }',
      },
    };
  }
  const result = submitBodySchema.safeParse(value);
  if (result.success) {
    const { workflow, input, runId } = result.data;
    return {
      ok: true,
      value: { workflow, input: (input ?? {}) as Json, ...(runId === undefined ? {} : { runId }) },
    };
  }
  const issue = result.error.issues[0];
  if (issue === undefined) {
    return { ok: false, problem: { status: 400, code: 'request.invalid', message: 'invalid request body' } };
  }
  const field =
    issue.code === 'unrecognized_keys'
      ? issue.keys.join(', ')
      : issue.path.map((part) => String(part)).join('.');
  const message =
    issue.code === 'unrecognized_keys'
      ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}; allowed: workflow, input, runId`
      : `field '${field}' ${describeIssue(issue.message)}`;
  return { ok: false, problem: { status: 400, code: 'request.invalid', message, field } };
}

function describeIssue(message: string): string {
  return message.startsWith('must') ? message : `is invalid: ${message}`;
}

/** Idempotency keys are hashed into run ids by the runtime: any visible ASCII will do. */
const KEY_PATTERN = /^[\x21-\x7e]{1,256}$/;

/** Validates the `Idempotency-Key` header, when present. */
export function parseIdempotencyKey(value: string | undefined): Parsed<string | undefined> {
  if (value === undefined) return { ok: true, value: undefined };
  if (KEY_PATTERN.test(value)) return { ok: true, value };
  return {
    ok: false,
    problem: {
      status: 400,
      code: 'request.invalid',
      message: `header 'Idempotency-Key' must be 1 to 256 visible ASCII characters; got ${JSON.stringify(value.slice(0, 200))}`,
      field: 'Idempotency-Key',
    },
  };
}
