import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** A received HTTP request, as node:http gives it, with its body read. */
export interface RawRequest {
  readonly method: string;
  /** Path and query string, e.g. `/workflows/orders/runs/r1?verbose=1`. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly sourceIp: string;
}

/**
 * The URL of a request target in origin form (`/workflows/orders/runs/r1?x=1`), or undefined for any other form (`*`, an
 * absolute URL). Resolved against a fixed origin as text, so a target starting with `//` stays a path: as a
 * relative URL it would name a host, and `//evil.example/events` would be read as `/events`.
 *
 * @example
 * requestUrl('//evil.example/events')?.pathname; // '//evil.example/events'
 */
export function requestUrl(target: string): URL | undefined {
  if (!target.startsWith('/')) return undefined;
  try {
    return new URL(`http://localhost${target}`);
  } catch {
    return undefined;
  }
}

const TEXT_TYPES = /^(application\/(json|[a-z.+-]*\+json|x-www-form-urlencoded|xml)|text\/)/i;

/**
 * Translates an HTTP request into an API Gateway HTTP API payload 2.0 event, as `sam local start-api`
 * does: lower-case headers (repeated ones joined by commas), the raw path and query string, a request
 * context, and the body as text, or base64 for binary content types.
 */
export function toHttpApiEvent(request: RawRequest, now: Date = new Date()): APIGatewayProxyEventV2 {
  const url = requestUrl(request.url) ?? new URL('http://localhost/');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams) query[key] = key in query ? `${query[key]},${value}` : value;
  const contentType = headers['content-type'] ?? '';
  const binary = request.body.length > 0 && contentType !== '' && !TEXT_TYPES.test(contentType);
  const cookies = headers.cookie?.split(';').map((cookie) => cookie.trim());
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    ...(cookies ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: 'offline',
      apiId: 'weft-dev',
      domainName: headers.host ?? 'localhost',
      domainPrefix: (headers.host ?? 'localhost').split('.')[0] ?? 'localhost',
      http: {
        method: request.method.toUpperCase(),
        path: url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    ...(request.body.length > 0 ? { body: request.body.toString(binary ? 'base64' : 'utf8') } : {}),
    isBase64Encoded: binary,
  };
}
