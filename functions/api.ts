// The HTTP API (API Gateway HTTP API, payload format 2.0).
import { createApiHandler } from '../src/api/index.ts';
import { createLambdaDeps, withTelemetry } from '../src/lambda/deps.ts';
import { readLambdaEnv, requireApiAuth } from '../src/lambda/env.ts';
import { BUNDLED_PLANS_FILE, readBundledPlans } from '../src/lambda/plans.ts';

const env = readLambdaEnv();
const deps = createLambdaDeps({
  role: 'api',
  env,
  plans: readBundledPlans(new URL(`./${BUNDLED_PLANS_FILE}`, import.meta.url)),
});

export const handler = withTelemetry(deps, createApiHandler({ ...deps, authorization: requireApiAuth(env) }));
