import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { Command } from 'commander';
import { type CredentialsProvider, createApiClient } from '../../client/signed-client.ts';
import { UserInputError } from '../../errors.ts';
import { exitCodeFor, isFinished, toRunResult } from '../../runtime/run-result.ts';
import type { RunView } from '../../runtime/types.ts';
import type { CliIo } from '../io.ts';
import { parseInputOption } from '../run-input.ts';

interface SubmitOptions {
  readonly endpoint: string;
  readonly input?: string;
  readonly runId?: string;
  readonly idempotencyKey?: string;
  readonly region?: string;
  readonly profile?: string;
  readonly unsigned?: boolean;
  readonly wait?: boolean;
  readonly pollInterval: string;
}

/** What the command needs from outside, so tests can pass their own credentials and timing. */
export interface SubmitDeps {
  readonly credentials: (profile: string | undefined) => CredentialsProvider;
  readonly sleep: (ms: number) => Promise<void>;
}

const defaultDeps: SubmitDeps = {
  credentials: (profile) => fromNodeProviderChain(profile === undefined ? {} : { profile }),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * `weft submit <workflow> --endpoint <url>`: starts a run through a deployed weft API, signing the request
 * with SigV4 (credentials from the standard AWS chain: environment, SSO, profiles, instance roles). Prints
 * the API's answer (`{ runId, workflow, created }`); with `--wait`, polls the run and prints its result,
 * exiting like `weft run` (0 succeeded, 2 rolled back, 3 rollback incomplete).
 */
export function registerSubmit(program: Command, io: CliIo, deps: SubmitDeps = defaultDeps): void {
  program
    .command('submit')
    .description('start a run through a deployed weft API (SigV4-signed), optionally wait for its result')
    .argument('<workflow>', 'workflow name')
    .requiredOption('--endpoint <url>', 'the API URL (the ApiUrl output of `cdk deploy`, or `weft dev`)')
    .option('--input <json>', 'run input: inline JSON or @file')
    .option('--run-id <id>', 'choose the run id (submitting it again starts nothing new)')
    .option('--idempotency-key <key>', 'the same key always maps to the same run')
    .option('--region <region>', 'signing region (default: from the endpoint host name)')
    .option('--profile <name>', 'AWS profile for credentials')
    .option('--unsigned', 'send without SigV4 (for `weft dev`)')
    .option('--wait', 'poll the run until it finishes and print its result')
    .option('--poll-interval <ms>', 'time between polls with --wait', '1000')
    .action(async (workflow: string, options: SubmitOptions) => {
      const client = createApiClient({
        endpoint: parseEndpoint(options.endpoint),
        ...(options.region ? { region: options.region } : {}),
        ...(options.unsigned ? {} : { credentials: deps.credentials(options.profile) }),
      });
      const interval = Number(options.pollInterval);
      if (!Number.isFinite(interval) || interval < 0) {
        throw new UserInputError(
          'usage',
          `--poll-interval must be a number of milliseconds, got '${options.pollInterval}'`,
        );
      }
      const input = await parseInputOption(options.input);
      const submitted = await call(options.endpoint, () =>
        client.request(
          'POST',
          '/runs',
          { workflow, input, ...(options.runId ? { runId: options.runId } : {}) },
          options.idempotencyKey ? { 'Idempotency-Key': options.idempotencyKey } : {},
        ),
      );
      if (!options.wait) {
        io.out(`${JSON.stringify(submitted)}\n`);
        return;
      }
      const runId = (submitted as { runId: string }).runId;
      io.err(`submitted run ${runId}; waiting for it to finish\n`);
      for (;;) {
        const run = (await call(options.endpoint, () =>
          client.request('GET', `/runs/${encodeURIComponent(runId)}`),
        )) as RunView;
        if (isFinished(run)) {
          io.out(`${JSON.stringify(toRunResult(run), null, 2)}\n`);
          io.exitCode = exitCodeFor(run);
          return;
        }
        await deps.sleep(interval);
      }
    });
}

function parseEndpoint(endpoint: string): string {
  try {
    const url = new URL(endpoint);
    if (url.protocol === 'https:' || url.protocol === 'http:') return endpoint;
  } catch {
    // reported below
  }
  throw new UserInputError('usage', `--endpoint must be an http(s) URL, got '${endpoint}'`);
}

/** Runs one API call; refusals and unreachable endpoints become user errors carrying the API's message. */
async function call(
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
