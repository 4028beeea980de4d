import { jsonTooDeep } from '../workflow/json-depth.ts';
import { type ApiEvent, type ApiResult, errorResult } from './http.ts';

/** The largest request body weft accepts: SQS's and EventBridge's own limit, so any accepted input fits. */
export const MAX_BODY_BYTES = 256 * 1024;

/**
 * The deepest nesting of arrays and objects a request body may have, the body's own object being the first
 * level. Far beyond what a run's input needs, and far below what the validators can recurse through.
 */
export const MAX_BODY_DEPTH = 64;

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

const utf8 = new TextDecoder('utf-8', { fatal: true });

const refuse = (status: 400 | 413, code: string, message: string): Parsed<never> => ({
  ok: false,
  problem: { status, code, message },
});

/**
 * weft's one rule for reading a JSON request body, for every route that takes one (`POST /workflows/{name}/runs`, `weft
 * dev`'s `POST /events`, callbacks). In this order, each refusal a JSON 4xx in the API's error shape:
 *
 * - over {@link MAX_BODY_BYTES} (256 KB, counted in bytes): `413 request.tooLarge`;
 * - bytes that are not UTF-8: `400 request.malformedJson`;
 * - empty or only white space: `400 request.invalid`;
 * - arrays and objects nested more than {@link MAX_BODY_DEPTH} (64) levels: `400 request.tooDeep`, found
 *   by scanning the text, so a deep body never reaches a parser or validator that recurses;
 * - not JSON: `400 request.malformedJson`.
 *
 * What is read is plain JSON data: `__proto__` is an ordinary key of the parsed object (as `JSON.parse`
 * makes it), never a prototype.
 *
 * @example
 * const body = readJsonBody(Buffer.from('{"workflow":"loan_approval"}'));
 * if (!body.ok) return problemResult(body.problem); // 400 or 413
 */
export function readJsonBody(body: Uint8Array | string): Parsed<unknown> {
  const size = typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.byteLength;
  if (size > MAX_BODY_BYTES) {
    return refuse(
      413,
      'request.tooLarge',
      `request body is ${size} bytes; the limit is ${MAX_BODY_BYTES} bytes (256 KB)`,
    );
  }
  let text: string;
  try {
    text = typeof body === 'string' ? body : utf8.decode(body);
  } catch {
    return refuse(400, 'request.malformedJson', 'request body is not valid UTF-8; send JSON text in UTF-8');
  }
  if (text.trim() === '') return refuse(400, 'request.invalid', 'request body is empty; send a JSON object');
  const deep = jsonTooDeep(text, MAX_BODY_DEPTH);
  if (deep !== undefined) {
    return refuse(
      400,
      'request.tooDeep',
      `request body nests arrays and objects more than ${MAX_BODY_DEPTH} levels deep (at character ${deep.offset}); flatten it`,
    );
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return refuse(400, 'request.malformedJson', `request body is not valid JSON: ${reason}`);
  }
}

/**
 * {@link readJsonBody} for an API Gateway HTTP API event: decodes a base64 body first, so the size limit
 * counts the bytes the client sent.
 *
 * @example
 * const body = readEventBody(event);
 */
export function readEventBody(event: ApiEvent): Parsed<unknown> {
  const raw = event.body ?? '';
  return readJsonBody(event.isBase64Encoded ? Buffer.from(raw, 'base64') : raw);
}

/**
 * The API's answer to a refused request: `{ error: { code, message, field? } }` with the problem's status.
 *
 * @example
 * problemResult({ status: 413, code: 'request.tooLarge', message: '...' }).statusCode; // 413
 */
export function problemResult(problem: RequestProblem): ApiResult {
  return errorResult(
    problem.status,
    problem.code,
    problem.message,
    problem.field === undefined ? {} : { field: problem.field },
  );
}
