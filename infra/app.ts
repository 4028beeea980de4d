// The weft CDK app: `npx cdk synth` / `npx cdk deploy` (cdk.json runs this file with tsx).
// A user's mistake (a context key, a workflow, a missing handler) fails the synth with its message, no trace.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { UserInputError } from '../src/errors.ts';
import { buildWeftApp } from './build-app.ts';

const app = new App();
try {
  await buildWeftApp(app, process.cwd());
} catch (error) {
  if (!(error instanceof UserInputError)) throw error;
  process.stderr.write(`weft: cannot synthesize the app:\n${error.message}\n`);
  process.exit(1);
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
