import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { UserInputError } from '../errors.ts';

/** AWS credentials, or a provider of them (`fromNodeProviderChain()`). */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}
export type CredentialsProvider = () => Promise<AwsCredentials>;

export interface ApiClientOptions {
  /** The API's base URL, e.g. `https://abc123.execute-api.eu-west-1.amazonaws.com`. */
  readonly endpoint: string;
  /** Signing region; taken from an `execute-api` endpoint's host name when absent. */
  readonly region?: string;
  /** Signs every request with SigV4 for `execute-api` when given; requests are unsigned otherwise. */
  readonly credentials?: CredentialsProvider;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

/** An answer of the API: its status and parsed JSON body (undefined when not JSON). */
export interface ApiResponse {
  readonly status: number;
  readonly body: unknown;
}

/** Calls the weft HTTP API. */
export interface ApiClient {
  request(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<ApiResponse>;
}

/** The region of an API Gateway endpoint (`<id>.execute-api.<region>.amazonaws.com[.cn]`), if it is one. */
export function regionOfEndpoint(endpoint: string): string | undefined {
  const host = new URL(endpoint).hostname;
  return /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(host)?.[1];
}

/**
 * A client for a deployed weft API, signing each request with SigV4 (service `execute-api`) the way
 * API Gateway's IAM authorisation expects.
 *
 * @example
 * const client = createApiClient({ endpoint, credentials: fromNodeProviderChain() });
 * await client.request('POST', '/workflows/loan_approval/runs', { input: {} });
 */
export function createApiClient(options: ApiClientOptions): ApiClient {
  const base = new URL(options.endpoint);
  const doFetch = options.fetch ?? globalThis.fetch;
  const region = options.region ?? regionOfEndpoint(options.endpoint);
  const signer =
    options.credentials === undefined
      ? undefined
      : new SignatureV4({
          service: 'execute-api',
          region: requireRegion(region, options.endpoint),
          credentials: options.credentials,
          sha256: Sha256,
        });
  return {
    async request(method, path, body, extraHeaders = {}) {
      const url = new URL(joinPath(base.pathname, path), base);
      const payload = body === undefined ? undefined : JSON.stringify(body);
      let headers: Record<string, string> = {
        host: url.host,
        accept: 'application/json',
        ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
        ...lowerCaseKeys(extraHeaders),
      };
      if (signer) {
        const signed = await signer.sign({
          method,
          protocol: url.protocol,
          hostname: url.hostname,
          ...(url.port ? { port: Number(url.port) } : {}),
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          headers,
          ...(payload === undefined ? {} : { body: payload }),
        });
        headers = signed.headers;
      }
      // fetch sets Host itself, from the URL: the same value that was signed.
      const { host: _host, ...sent } = headers;
      const response = await doFetch(url, {
        method,
        headers: sent,
        ...(payload === undefined ? {} : { body: payload }),
      });
      const text = await response.text();
      return { status: response.status, body: parseJson(text) };
    },
  };
}

function requireRegion(region: string | undefined, endpoint: string): string {
  if (region) return region;
  throw new UserInputError(
    'usage',
    `cannot tell the AWS region of ${endpoint}: pass --region (the API's region) when the endpoint is a custom domain`,
  );
}

function joinPath(basePath: string, path: string): string {
  return `${basePath.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([key, value]) => [key.toLowerCase(), value]));
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
