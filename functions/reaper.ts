// The reaper: the engine's recovery pass, run every minute by an EventBridge schedule.
import { createLambdaDeps, withTelemetry } from '../src/lambda/deps.ts';
import { readLambdaEnv } from '../src/lambda/env.ts';
import { BUNDLED_PLANS_FILE, readBundledPlans } from '../src/lambda/plans.ts';

const deps = createLambdaDeps({
  role: 'reaper',
  env: readLambdaEnv(),
  plans: readBundledPlans(new URL(`./${BUNDLED_PLANS_FILE}`, import.meta.url)),
});

// Where the last pass stopped when more runs were active than one pass examines: a warm instance goes on
// from there, a cold one starts the listing over.
let after: string | undefined;

export const handler = withTelemetry(deps, async () => {
  const report = await deps.runtime.recover(after === undefined ? {} : { after });
  after = report.next;
  deps.logger.info('recovery pass', { ...report });
  return report;
});
