import { z } from 'zod';
import type { CallbackRequest, Json } from '../runtime/types.ts';
import type { Parsed } from './request.ts';

/** An error's name and message as a callback reports them (the name is what `retry_on` matches). */
const errorSchema = z.strictObject({
  name: z.string().min(1, 'must be a non-empty error name').max(256, 'must be at most 256 characters'),
  message: z.string().max(8192, 'must be at most 8192 characters'),
});

const bodySchema = z.union([z.strictObject({ output: z.json() }), z.strictObject({ error: errorSchema })]);

const SHAPE =
  'send { "output": <any JSON> } to complete the task, or { "error": { "name": "...", "message": "..." } } to fail its attempt';

/**
 * Validates a parsed `POST /callbacks/{token}` body: exactly one of `output` (any JSON, `null` included)
 * and `error` (`name`, `message`).
 *
 * @example
 * parseCallbackBody({ output: { approved: true } }); // { ok: true, value: { output: { approved: true } } }
 */
export function parseCallbackBody(value: unknown): Parsed<CallbackRequest> {
  const invalid = (message: string, field?: string): Parsed<CallbackRequest> => ({
    ok: false,
    problem: { status: 400, code: 'request.invalid', message, ...(field === undefined ? {} : { field }) },
  });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return invalid(`request body must be a JSON object: ${SHAPE}`);
  }
  const keys = Object.keys(value);
  if (keys.length !== 1 || (keys[0] !== 'output' && keys[0] !== 'error')) {
    return invalid(
      `request body must have exactly one of 'output' and 'error', got ${describeKeys(keys)}: ${SHAPE}`,
    );
  }
  const result = bodySchema.safeParse(value);
  if (result.success) {
    const body = result.data;
    return { ok: true, value: 'output' in body ? { output: body.output as Json } : { error: body.error } };
  }
  const issue = result.error.issues.find((i) => i.path[0] === keys[0]) ?? result.error.issues[0];
  const field = issue?.path.map(String).join('.') ?? keys[0];
  return invalid(
    `field '${field}' ${issue?.message.startsWith('must') ? issue.message : `is invalid: ${issue?.message}`}`,
    field,
  );
}

function describeKeys(keys: readonly string[]): string {
  return keys.length === 0 ? 'an empty object' : keys.map((key) => `'${key}'`).join(', ');
}
