// The reaper: the engine's recovery pass, run every minute by an EventBridge schedule.
import { createLambdaDeps, withTelemetry } from '../src/lambda/deps.ts';
import { readLambdaEnv } from '../src/lambda/env.ts';
import { BUNDLED_PLANS_FILE, readBundledPlans } from '../src/lambda/plans.ts';

const deps = createLambdaDeps({
  role: 'reaper',
  env: readLambdaEnv(),
  plans: readBundledPlans(new URL(`./${BUNDLED_PLANS_FILE}`, import.meta.url)),
});

export const handler = withTelemetry(deps, async () => {
  const report = await deps.runtime.recover();
  deps.logger.info('recovery pass', { ...report });
  return report;
});
