/**
 * The slice of an API Gateway HTTP API (payload format 2.0) event and result the API handler uses. A real
 * `APIGatewayProxyEventV2` is assignable to `ApiEvent`, and `weft dev` builds the same shape from node:http.
 */

/** An HTTP API v2 request, as much of it as the handler reads. */
export interface ApiEvent {
  /** The path without the query string, e.g. `/runs/abc/history`. */
  readonly rawPath: string;
  /** Header names are lower case in HTTP API v2 events; lookups here ignore case anyway. */
  readonly headers?: Readonly<Record<string, string | undefined>>;
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
  readonly requestContext: { readonly http: { readonly method: string }; readonly requestId?: string };
}

/** An HTTP API v2 structured result: always a JSON body. */
export interface ApiResult {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** The JSON body of every 4xx and 5xx answer. */
export interface ApiErrorBody {
  readonly error: {
    /** Stable, machine-readable: `request.invalid`, `run.notFound`, `run.conflict`, ... */
    readonly code: string;
    readonly message: string;
    /** The request field at fault, when there is one (`input`, `workflow`, `Idempotency-Key`). */
    readonly field?: string;
  };
}

/** A JSON answer. */
export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): ApiResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(body),
  };
}

/** A JSON error answer. */
export function errorResult(
  statusCode: number,
  code: string,
  message: string,
  extra: { field?: string; headers?: Record<string, string> } = {},
): ApiResult {
  const error = extra.field === undefined ? { code, message } : { code, message, field: extra.field };
  return json(statusCode, { error } satisfies ApiErrorBody, extra.headers);
}

/** A header's value, whatever the case of its name. */
export function header(event: ApiEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}
