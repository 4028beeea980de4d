import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { App } from 'aws-cdk-lib';
import { UserInputError } from '../src/errors.ts';
import type { WeftApiAuth } from './orchestrator/http-api.ts';

/** The app's settings, from CDK context (`cdk.json` or `-c key=value`). */
export interface AppConfig {
  readonly stackName: string;
  readonly workflowsDir: string;
  readonly handlersModule: string;
  readonly apiAuth?: WeftApiAuth;
}

/**
 * Reads `weft:*` context values: `weft:workflows` (default `workflows`), `weft:handlers` (default
 * `examples/loan_approval/handlers.ts`), `weft:stackName` (default `Weft`), and for a JWT authoriser
 * `weft:jwtIssuer` with `weft:jwtAudience` (comma-separated).
 */
export function readAppConfig(app: App): AppConfig {
  const read = (key: string): string | undefined => {
    const value: unknown = app.node.tryGetContext(`weft:${key}`);
    return value === undefined || value === null || value === '' ? undefined : String(value);
  };
  const handlersModule = resolve(read('handlers') ?? 'examples/loan_approval/handlers.ts');
  if (!existsSync(handlersModule)) {
    throw new UserInputError(
      'config.handlers',
      `handlers module ${handlersModule} does not exist; set -c weft:handlers=<file>`,
    );
  }
  const issuer = read('jwtIssuer');
  const audience = (read('jwtAudience') ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  if (issuer !== undefined && audience.length === 0) {
    throw new UserInputError(
      'config.jwt',
      'weft:jwtIssuer needs weft:jwtAudience (the accepted client ids, comma-separated)',
    );
  }
  return {
    stackName: read('stackName') ?? 'Weft',
    workflowsDir: resolve(read('workflows') ?? 'workflows'),
    handlersModule,
    ...(issuer === undefined ? {} : { apiAuth: { type: 'jwt', issuer, audience } }),
  };
}
