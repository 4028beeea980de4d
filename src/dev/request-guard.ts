import type { IncomingHttpHeaders } from 'node:http';

/** Why the local API refuses a request before reading it, or nothing. */
export interface Refusal {
  readonly status: 421 | 403 | 415;
  readonly code: string;
  readonly message: string;
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The local API answers only this machine's own clients: a web page in a browser must not drive it. So it
 * refuses a `Host` that is not its loopback address and port (a DNS-rebinding page sends its own name),
 * a state-changing request from a foreign `Origin` or a cross-site fetch, and a body that is not
 * `application/json` (the only kind a page can send cross-origin without a preflight is text or a form).
 *
 * @example
 * guardLocalRequest({ method: 'POST', headers: { host: 'evil.example' } }, 8787); // { status: 421, ... }
 */
export function guardLocalRequest(
  request: { readonly method: string; readonly headers: IncomingHttpHeaders; readonly hasBody: boolean },
  port: number,
): Refusal | undefined {
  const own = [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
  const host = (request.headers.host ?? '').toLowerCase();
  if (!own.includes(host)) {
    return {
      status: 421,
      code: 'request.misdirected',
      message: `weft dev answers requests for ${own[0]} only (Host was '${host}')`,
    };
  }
  if (!STATE_CHANGING.has(request.method)) return undefined;
  const origin = request.headers.origin;
  const fetchSite = request.headers['sec-fetch-site'];
  const foreignOrigin = origin !== undefined && !own.some((h) => origin.toLowerCase() === `http://${h}`);
  if (foreignOrigin || fetchSite === 'cross-site' || fetchSite === 'same-site') {
    return {
      status: 403,
      code: 'request.forbiddenOrigin',
      message: `weft dev refuses ${request.method} requests from another origin (${origin ?? fetchSite})`,
    };
  }
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (request.hasBody && type !== 'application/json') {
    return {
      status: 415,
      code: 'request.unsupportedMediaType',
      message: `send the body as JSON with 'content-type: application/json' (got '${type || 'none'}')`,
    };
  }
  return undefined;
}
