import type { App } from 'aws-cdk-lib';
import { readAppConfig } from './app-config.ts';
import { readWeftDeployment } from './orchestrator/deployment.ts';
import { WeftStack } from './weft-stack.ts';

/**
 * Builds the weft app's stack from its CDK context (see `readAppConfig`): reads and checks the workflows
 * against the handlers module and the worker's settings, then adds the stack to `app`.
 *
 * @throws UserInputError (a `WorkflowError` for the workflows' `path:line:col` lines) for every mistake of
 *   the user's; `infra/app.ts` prints its message and exits 1.
 * @example
 * const stack = await buildWeftApp(new App({ context: { 'weft:workerTimeout': '5m' } }), process.cwd());
 */
export async function buildWeftApp(app: App, dir: string): Promise<WeftStack> {
  const config = readAppConfig(app, dir);
  const plans = await readWeftDeployment({
    workflowsDir: config.workflowsDir,
    handlersModule: config.handlersModule,
    ...(config.worker.workerTimeout === undefined ? {} : { workerTimeout: config.worker.workerTimeout }),
  });
  return new WeftStack(app, config.stackName, {
    plans,
    handlersModule: config.handlersModule,
    ...config.worker,
    ...(config.apiAuth ? { apiAuth: config.apiAuth } : {}),
    ...(config.alarmEmail === undefined ? {} : { alarmEmail: config.alarmEmail }),
    ...config.hardening,
    description: 'weft: durable workflow DAGs on DynamoDB and SQS, with Saga rollback',
  });
}
