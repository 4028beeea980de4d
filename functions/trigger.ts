// The trigger: starts runs for EventBridge rules made from workflows' `on:` and `schedule:`.
import { UserInputError } from '../src/errors.ts';
import { createLambdaDeps, withTelemetry } from '../src/lambda/deps.ts';
import { readLambdaEnv } from '../src/lambda/env.ts';
import { BUNDLED_PLANS_FILE, readBundledPlans } from '../src/lambda/plans.ts';
import { createTriggerHandler } from '../src/triggers/index.ts';

const deps = createLambdaDeps({
  role: 'trigger',
  env: readLambdaEnv(),
  plans: readBundledPlans(new URL(`./${BUNDLED_PLANS_FILE}`, import.meta.url)),
});
const trigger = createTriggerHandler(deps);

export const handler = withTelemetry(deps, async (payload: unknown) => {
  try {
    const runs = await trigger(payload);
    deps.logger.info('event handled', { runs: runs.map((run) => ({ ...run })) });
    return runs;
  } catch (error) {
    // A delivery that can never succeed (not an event, a workflow no longer deployed) is logged and
    // dropped: throwing would only make EventBridge retry it for a day. Anything else is retried.
    if (!(error instanceof UserInputError)) throw error;
    deps.logger.error('event dropped', { reason: error.message, code: error.code });
    return [];
  }
});
