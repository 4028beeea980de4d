import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { App } from 'aws-cdk-lib';
import { UserInputError } from '../src/errors.ts';
import { didYouMean } from '../src/workflow/suggest.ts';
import { type ContextOrigin, contextOrigin } from './context-origin.ts';
import { HARDENING_CONTEXT_KEYS, type HardeningConfig, readHardeningContext } from './hardening-context.ts';
import type { WeftApiAuth } from './orchestrator/http-api.ts';
import { readWorkerContext, WORKER_CONTEXT_KEYS, type WorkerConfig } from './worker-context.ts';

/** Every context key the app reads. Any other `weft:` key is refused: a misspelt key would be ignored. */
export const CONTEXT_KEYS = [
  'weft:workflows',
  'weft:handlers',
  'weft:stackName',
  'weft:jwtIssuer',
  'weft:jwtAudience',
  'weft:alarmEmail',
  ...WORKER_CONTEXT_KEYS,
  ...HARDENING_CONTEXT_KEYS,
] as const;

/** An address SNS will take: something@host.tld, no spaces. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** CloudFormation's rule for stack names. */
const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;

/** The app's settings, from CDK context (`cdk.json` or `-c key=value`). */
export interface AppConfig {
  readonly stackName: string;
  readonly workflowsDir: string;
  readonly handlersModule: string;
  readonly apiAuth?: WeftApiAuth;
  /** The worker's settings that were given; the construct defaults the rest. */
  readonly worker: WorkerConfig;
  /** Subscribed by e-mail to the topic every alarm notifies. */
  readonly alarmEmail?: string;
  /** Throttling, reserved concurrency, the KMS key and the trigger accounts that were given. */
  readonly hardening: HardeningConfig;
}

/**
 * Reads the `weft:*` context values (documented in docs/deploy.md): `weft:workflows` (default
 * `workflows`), `weft:handlers` (default `examples/loan_approval/handlers.ts`), `weft:stackName` (default
 * `Weft`), for a JWT authoriser `weft:jwtIssuer` with `weft:jwtAudience` (comma-separated), and the
 * worker's `weft:workerTimeout`, `weft:workerMemory` and `weft:workerBatchSize`, and the hardening keys
 * (`weft:apiRateLimit`, `weft:kmsKey`, ...: see `readHardeningContext`). Paths are resolved
 * against `dir`, the project folder, where `cdk.json` is.
 *
 * @throws UserInputError with one line per problem (a problem with a key written in `cdk.json` starts
 *   with its `path:line:col`): an unknown `weft:` key, a missing handlers module, a bad value.
 * @example
 * const config = readAppConfig(new App(), process.cwd());
 */
export function readAppConfig(app: App, dir: string): AppConfig {
  const origin = contextOrigin(dir);
  const read = (key: string): string | undefined => {
    const value: unknown = app.node.tryGetContext(`weft:${key}`);
    return value === undefined || value === null || value === '' ? undefined : String(value);
  };
  const problems: string[] = [];
  const known: ReadonlySet<string> = new Set(CONTEXT_KEYS);
  for (const key of Object.keys(app.node.getAllContext() as Record<string, unknown>)) {
    if (!key.startsWith('weft:') || known.has(key)) continue;
    const hint = didYouMean(key, CONTEXT_KEYS) || `; the keys weft reads are ${CONTEXT_KEYS.join(', ')}`;
    problems.push(`${origin(key)}unknown context key '${key}'${hint}`);
  }
  const handlers = read('handlers');
  const handlersModule = resolve(dir, handlers ?? 'examples/loan_approval/handlers.ts');
  if (!existsSync(handlersModule)) {
    problems.push(
      `${origin('weft:handlers', handlers)}weft:handlers: no file at ${handlersModule}; give the path of your handlers module, e.g. -c weft:handlers=src/handlers.ts`,
    );
  }
  const stackName = read('stackName') ?? 'Weft';
  if (!STACK_NAME.test(stackName)) {
    problems.push(
      `${origin('weft:stackName', stackName)}weft:stackName: must start with a letter and hold only letters, digits and hyphens, up to 128 characters, got '${stackName}'`,
    );
  }
  const apiAuth = readJwtAuth(read, origin, problems);
  const alarmEmail = read('alarmEmail');
  if (alarmEmail !== undefined && !EMAIL.test(alarmEmail)) {
    problems.push(
      `${origin('weft:alarmEmail', alarmEmail)}weft:alarmEmail: must be an e-mail address such as ops@example.com, got '${alarmEmail}'`,
    );
  }
  const worker = readWorkerContext(read, origin, problems);
  const hardening = readHardeningContext(read, origin, problems);
  if (problems.length > 0) throw new UserInputError('config.invalid', problems.join('\n'));
  return {
    stackName,
    workflowsDir: resolve(dir, read('workflows') ?? 'workflows'),
    handlersModule,
    ...(apiAuth === undefined ? {} : { apiAuth }),
    worker,
    ...(alarmEmail === undefined ? {} : { alarmEmail }),
    hardening,
  };
}

/** The JWT authoriser `weft:jwtIssuer` and `weft:jwtAudience` ask for, if any; problems go to `problems`. */
function readJwtAuth(
  read: (key: string) => string | undefined,
  origin: ContextOrigin,
  problems: string[],
): WeftApiAuth | undefined {
  const issuer = read('jwtIssuer');
  const audienceText = read('jwtAudience');
  const audience = (audienceText ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  if (issuer === undefined) {
    if (audienceText !== undefined) {
      problems.push(
        `${origin('weft:jwtAudience', audienceText)}weft:jwtAudience is set without weft:jwtIssuer, so it would be ignored; add -c weft:jwtIssuer=<issuer URL>, or drop weft:jwtAudience to keep IAM authorisation`,
      );
    }
    return undefined;
  }
  if (!issuer.startsWith('https://')) {
    problems.push(
      `${origin('weft:jwtIssuer', issuer)}weft:jwtIssuer: must be the token issuer's https:// URL, got '${issuer}'`,
    );
  }
  if (audience.length === 0) {
    problems.push(
      `${origin('weft:jwtIssuer', issuer)}weft:jwtIssuer needs weft:jwtAudience, the accepted client ids: add -c weft:jwtAudience=<client id>[,<client id>...]`,
    );
  }
  return { type: 'jwt', issuer, audience };
}
