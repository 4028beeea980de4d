// The weft CDK app: `npx cdk synth` / `npx cdk deploy` (cdk.json runs this file with tsx).
// Workflows are compiled at synth time; an invalid one fails the synth with `path:line:col: message` lines.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { UserInputError } from '../src/errors.ts';
import { readPlanDir } from '../src/files/workflows.ts';
import { readAppConfig } from './app-config.ts';
import { WeftStack } from './weft-stack.ts';

const app = new App();
const config = readAppConfig(app);
try {
  const plans = await readPlanDir(config.workflowsDir);
  new WeftStack(app, config.stackName, {
    plans,
    handlersModule: config.handlersModule,
    ...(config.apiAuth ? { apiAuth: config.apiAuth } : {}),
    description: 'weft: durable workflow DAGs on DynamoDB and SQS, with Saga rollback',
  });
} catch (error) {
  if (error instanceof UserInputError) {
    process.stderr.write(`weft: cannot synthesize the app:\n${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
