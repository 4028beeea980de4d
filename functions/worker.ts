// The worker: takes task-queue batches from the SQS event source and reports partial batch failures.
// `weft-handlers` is the user's handlers module, aliased by the CDK construct's esbuild options.
import { fileURLToPath } from 'node:url';
import * as userHandlers from 'weft-handlers';
import { createLambdaDeps, withTelemetry } from '../src/lambda/deps.ts';
import { readLambdaEnv } from '../src/lambda/env.ts';
import { BUNDLED_PLANS_FILE, ISOLATION_FILES, readBundledPlans } from '../src/lambda/plans.ts';
import { createWorkerHandler } from '../src/runtime/index.ts';
import { withModulePath } from '../src/runtime/isolation/handlers-module.ts';
import type { HandlerRegistry } from '../src/runtime/types.ts';

// an `isolation: thread` task's thread loads the handlers bundled on their own, beside this file
const handlers = withModulePath(
  { ...(userHandlers as HandlerRegistry) },
  fileURLToPath(new URL(`./${ISOLATION_FILES.handlers}`, import.meta.url)),
  new URL(`./${ISOLATION_FILES.host}`, import.meta.url),
);

const deps = createLambdaDeps({
  role: 'worker',
  env: readLambdaEnv(),
  plans: readBundledPlans(new URL(`./${BUNDLED_PLANS_FILE}`, import.meta.url)),
  handlers,
});

export const handler = withTelemetry(deps, createWorkerHandler(deps.runtime));
