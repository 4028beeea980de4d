import { z } from 'zod';
import type { Json } from '../runtime/types.ts';
import type { ApiEvent } from './http.ts';

/** The largest request body the API accepts: SQS's and EventBridge's own limit, so any accepted input fits. */
export const MAX_BODY_BYTES = 256 * 1024;

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

/** Why a request was refused: HTTP status, error code, message and the field at fault. */
export interface RequestProblem {
  readonly status: 400 | 413;
  readonly code: string;
  readonly message: string;
  readonly field?: string;
}

export type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly problem: RequestProblem };

/** Decodes the body (base64 when flagged), enforces the size limit and parses JSON. */
export function parseJsonBody(event: ApiEvent): Parsed<unknown> {
  const raw = event.body ?? '';
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > MAX_BODY_BYTES) {
    return {
      ok: false,
      problem: {
        status: 413,
        code: 'request.tooLarge',
        message: `request body is ${bytes.length} bytes; the limit is ${MAX_BODY_BYTES} bytes (256 KB)`,
      },
    };
  }
  const text = bytes.toString('utf8');
  if (text.trim() === '') {
    return {
      ok: false,
      problem: { status: 400, code: 'request.invalid', message: 'request body is empty; send a JSON object' },
    };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      problem: {
        status: 400,
        code: 'request.malformedJson',
        message: `request body is not valid JSON: ${reason}`,
      },
    };
  }
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
