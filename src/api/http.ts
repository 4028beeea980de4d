/**
 * The slice of an API Gateway HTTP API (payload format 2.0) event and result the API handler uses. A real
 * `APIGatewayProxyEventV2` is assignable to `ApiEvent`, and `weft dev` builds the same shape from node:http.
 */

/** An HTTP API v2 request, as much of it as the handler reads. */
export interface ApiEvent {
  /** The path without the query string, e.g. `/workflows/orders/runs/abc/history`. */
  readonly rawPath: string;
  /** The query string without its `?`, as sent: `limit=100&next=...`. */
  readonly rawQueryString?: string;
  /** The query's parameters, decoded; a repeated one's values joined by commas (as API Gateway does). */
  readonly queryStringParameters?: Readonly<Record<string, string | undefined>>;
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

/**
 * A request's query parameters: API Gateway's decoded `queryStringParameters`, or else `rawQueryString`
 * parsed the same way (a repeated parameter's values joined by commas).
 *
 * @example
 * queryParameters({ rawPath: '/workflows/orders/runs/r1/history', rawQueryString: 'limit=10', requestContext }); // { limit: '10' }
 */
export function queryParameters(event: ApiEvent): Record<string, string> {
  const params: Record<string, string> = {};
  const add = (name: string, value: string) => {
    Object.defineProperty(params, name, {
      value: Object.hasOwn(params, name) ? `${params[name]},${value}` : value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  };
  if (event.queryStringParameters !== undefined) {
    for (const [name, value] of Object.entries(event.queryStringParameters)) {
      if (value !== undefined) add(name, value);
    }
  } else {
    for (const [name, value] of new URLSearchParams(event.rawQueryString ?? '')) add(name, value);
  }
  return params;
}
