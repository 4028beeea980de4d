// The trigger: starts runs for EventBridge rules made from workflows' `on:` and `schedule:`.
import { createLambdaDeps, withMetrics } from '../src/lambda/deps.ts';
import { readLambdaEnv } from '../src/lambda/env.ts';
import { BUNDLED_PLANS_FILE, readBundledPlans } from '../src/lambda/plans.ts';
import { createTriggerHandler } from '../src/triggers/index.ts';

const deps = createLambdaDeps({
  role: 'trigger',
  env: readLambdaEnv(),
  plans: readBundledPlans(new URL(`./${BUNDLED_PLANS_FILE}`, import.meta.url)),
});
const trigger = createTriggerHandler(deps);

export const handler = withMetrics(deps, async (payload: unknown) => {
  const runs = await trigger(payload);
  deps.logger.info('event handled', { runs: runs.map((run) => ({ ...run })) });
  return runs;
});
