import { z } from 'zod';
import { clientKeyProblem, isRunId, runIdProblem } from '../runtime/run-ids.ts';
import type { Json } from '../runtime/types.ts';
import type { Parsed } from './body-limits.ts';

export type { Parsed, RequestProblem } from './body-limits.ts';

/** Whether a run id can name a run (for lookups: a key's run id included). */
export function isValidId(value: string): boolean {
  return isRunId(value);
}

/** The body of `POST /workflows/{name}/runs` (the workflow is the path's). */
export const submitBodySchema = z.strictObject({
  input: z.json().optional(),
  runId: z
    .string()
    .superRefine((runId, ctx) => {
      const problem = runIdProblem(runId);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
});

/** `POST /workflows/{name}/runs`, validated. */
export interface SubmitBody {
  readonly input: Json;
  readonly runId?: string;
}

/** Validates a parsed `POST /workflows/{name}/runs` body; the problem names the first field at fault. */
export function parseSubmitBody(value: unknown): Parsed<SubmitBody> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return {
      ok: false,
      problem: {
        status: 400,
        code: 'request.invalid',
        message: 'request body must be a JSON object: { "input": {...}, "runId"?: "..." }',
      },
    };
  }
  const result = submitBodySchema.safeParse(value);
  if (result.success) {
    const { input, runId } = result.data;
    return {
      ok: true,
      value: { input: (input ?? {}) as Json, ...(runId === undefined ? {} : { runId }) },
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
      ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}; allowed: input, runId${issue.keys.includes('workflow') ? ' (the workflow is named by the path: POST /workflows/{name}/runs)' : ''}`
      : `field '${field}' ${describeIssue(issue.message)}`;
  return { ok: false, problem: { status: 400, code: 'request.invalid', message, field } };
}

function describeIssue(message: string): string {
  return message.startsWith('must') ? message : `is invalid: ${message}`;
}

/** Validates the `Idempotency-Key` header, when present. */
export function parseIdempotencyKey(value: string | undefined): Parsed<string | undefined> {
  if (value === undefined) return { ok: true, value: undefined };
  const problem = clientKeyProblem(value);
  if (problem === undefined) return { ok: true, value };
  return {
    ok: false,
    problem: {
      status: 400,
      code: 'request.invalid',
      message: `header 'Idempotency-Key' ${problem}; got ${JSON.stringify(value.slice(0, 200))}`,
      field: 'Idempotency-Key',
    },
  };
}

/**
 * The longest `POST /workflows/{name}/runs?wait=` may hold a request, in seconds: API Gateway ends an HTTP
 * API request at 29 s (30 s at most), so 25 s leaves the submit and the answer a margin.
 */
export const MAX_SUBMIT_WAIT_SECONDS = 25;

/**
 * Validates the `wait` query parameter of a submission: whole seconds from 0 to {@link MAX_SUBMIT_WAIT_SECONDS}.
 *
 * @example
 * parseWait('10'); // { ok: true, value: 10 }
 * parseWait('30').ok; // false: over the 25 s limit
 */
export function parseWait(value: string | undefined): Parsed<number | undefined> {
  if (value === undefined) return { ok: true, value: undefined };
  const seconds = /^\d{1,6}$/.test(value) ? Number(value) : Number.NaN;
  if (seconds <= MAX_SUBMIT_WAIT_SECONDS) return { ok: true, value: seconds };
  const over = Number.isInteger(seconds) ? ' (API Gateway ends a request at 29 s)' : '';
  return {
    ok: false,
    problem: {
      status: 400,
      code: 'request.invalid',
      message:
        `query parameter 'wait' must be a whole number of seconds from 0 to ${MAX_SUBMIT_WAIT_SECONDS}${over}, ` +
        `got ${JSON.stringify(value.slice(0, 50))}; to wait longer, poll the run's Location`,
      field: 'wait',
    },
  };
}
