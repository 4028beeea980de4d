// The worker: takes task-queue batches from the SQS event source and reports partial batch failures.
// `weft-handlers` is the user's handlers module, aliased by the CDK construct's esbuild options.
import * as userHandlers from 'weft-handlers';
import { createLambdaDeps, withTelemetry } from '../src/lambda/deps.ts';
import { readLambdaEnv } from '../src/lambda/env.ts';
import { BUNDLED_PLANS_FILE, readBundledPlans } from '../src/lambda/plans.ts';
import { createWorkerHandler } from '../src/runtime/index.ts';
import type { HandlerRegistry } from '../src/runtime/types.ts';

const deps = createLambdaDeps({
  role: 'worker',
  env: readLambdaEnv(),
  plans: readBundledPlans(new URL(`./${BUNDLED_PLANS_FILE}`, import.meta.url)),
  handlers: userHandlers as HandlerRegistry,
});

export const handler = withTelemetry(deps, createWorkerHandler(deps.runtime));
