import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { Command } from 'commander';
import { type ApiClient, type CredentialsProvider, createApiClient } from '../client/signed-client.ts';
import { UserInputError } from '../errors.ts';

/** What the commands that call a deployed API need from outside, so tests can pass their own. */
export interface ApiDeps {
  readonly credentials: (profile: string | undefined) => CredentialsProvider;
  readonly sleep: (ms: number) => Promise<void>;
}

export const defaultApiDeps: ApiDeps = {
  credentials: (profile) => fromNodeProviderChain(profile === undefined ? {} : { profile }),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** The `--endpoint` option, checked. */
export function parseEndpoint(endpoint: string): string {
  try {
    const url = new URL(endpoint);
    if (url.protocol === 'https:' || url.protocol === 'http:') return endpoint;
  } catch {
    // reported below
  }
  throw new UserInputError('usage', `--endpoint must be an http(s) URL, got '${endpoint}'`);
}

/** Runs one API call; refusals and unreachable endpoints become user errors carrying the API's message. */
export async function callApi(
  endpoint: string,
  send: () => Promise<{ status: number; body: unknown }>,
): Promise<unknown> {
  let response: { status: number; body: unknown };
  try {
    response = await send();
  } catch (error) {
    if (error instanceof UserInputError) throw error;
    if (error instanceof Error && error.name === 'CredentialsProviderError') {
      throw new UserInputError(
        'api.credentials',
        `no AWS credentials to sign the request (${error.message}): configure them (aws configure, aws sso login, AWS_PROFILE), or pass --unsigned for weft dev`,
      );
    }
    const reason =
      error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : '';
    throw new UserInputError('api.unreachable', `cannot reach ${endpoint}: ${reason}`);
  }
  if (response.status >= 200 && response.status < 300) return response.body;
  const body = response.body as { error?: { code?: string; message?: string }; message?: string } | undefined;
  const detail = body?.error?.message ?? body?.message ?? 'no details';
  const hint =
    response.status === 403
      ? ' (IAM refused the signature or the credentials: check the AWS profile, region and execute-api:Invoke permission)'
      : '';
  throw new UserInputError(
    'api.refused',
    `the API answered ${response.status}${body?.error?.code ? ` ${body.error.code}` : ''}: ${detail}${hint}`,
  );
}

/** The options of a command that can call a deployed API instead of the local state dir. */
export interface EndpointFlags {
  readonly endpoint?: string;
  readonly region?: string;
  readonly profile?: string;
  readonly unsigned?: boolean;
}

/** Adds `--endpoint`, `--region`, `--profile` and `--unsigned` to a command that works locally by default. */
export function addEndpointFlags(command: Command): Command {
  return command
    .option('--endpoint <url>', 'a deployed weft API (default: the local state dir)')
    .option('--region <region>', 'signing region, with --endpoint (default: from the host name)')
    .option('--profile <name>', 'AWS profile for credentials, with --endpoint')
    .option('--unsigned', 'send without SigV4, with --endpoint (for weft dev)');
}

/** A client for `--endpoint`, signing unless `--unsigned`. */
export function endpointClient(endpoint: string, flags: EndpointFlags, deps: ApiDeps): ApiClient {
  return createApiClient({
    endpoint: parseEndpoint(endpoint),
    ...(flags.region ? { region: flags.region } : {}),
    ...(flags.unsigned ? {} : { credentials: deps.credentials(flags.profile) }),
  });
}
