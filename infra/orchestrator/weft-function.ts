import { join } from 'node:path';
import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { BUNDLED_PLANS_FILE, ISOLATION_FILES } from '../../src/lambda/plans.ts';
import { taskHostEntry } from './function-code.ts';

/** ESM bundles still meet CommonJS dependencies that call `require` for Node built-ins. */
const REQUIRE_SHIM =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

export interface WeftFunctionProps {
  /** Absolute path of the entry file (see `functionEntry`). */
  readonly entry: string;
  readonly description: string;
  /** esbuild's working directory. @default the folder of `depsLockFilePath` */
  readonly projectRoot?: string;
  /** The lock file. @default the nearest one above the current directory (`NodejsFunction`'s default) */
  readonly depsLockFilePath?: string;
  /** The plans JSON written at synth time; copied next to the bundle as `plans.json`. */
  readonly plansFile: string;
  readonly environment: Record<string, string>;
  readonly timeout: Duration;
  readonly memorySize: number;
  readonly logRetention: RetentionDays;
  /** The user's handlers module, aliased to `weft-handlers` (the worker only). */
  readonly handlersModule?: string;
  /** Concurrent executions reserved for the function. @default none (the account's unreserved pool) */
  readonly reservedConcurrency?: number;
}

/**
 * A weft Lambda function: Node.js 22 on arm64, bundled locally by esbuild as ESM with source maps (no
 * Docker), the compiled plans copied next to the code, and its own log group with a retention period. Its
 * role may write that log group's streams and nothing else to begin with (not `AWSLambdaBasicExecutionRole`,
 * which allows every log group of the account); the orchestrator grants the rest.
 */
export function weftFunction(scope: Construct, id: string, props: WeftFunctionProps): NodejsFunction {
  const logGroup = new LogGroup(scope, `${id}Logs`, {
    retention: props.logRetention,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const role = new Role(scope, `${id}Role`, {
    assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    description: `weft: ${props.description}`,
  });
  role.addToPolicy(
    new PolicyStatement({
      // the group exists (created above): no logs:CreateLogGroup; its ARN ends in :*, its streams
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }),
  );
  const plansFile = props.plansFile;
  return new NodejsFunction(scope, id, {
    role,
    ...(props.reservedConcurrency === undefined
      ? {}
      : { reservedConcurrentExecutions: props.reservedConcurrency }),
    entry: props.entry,
    handler: 'handler',
    description: props.description,
    runtime: Runtime.NODEJS_22_X,
    architecture: Architecture.ARM_64,
    memorySize: props.memorySize,
    timeout: props.timeout,
    // Stack traces point at the TypeScript sources through the bundled source maps.
    environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
    logGroup,
    ...(props.projectRoot === undefined ? {} : { projectRoot: props.projectRoot }),
    ...(props.depsLockFilePath === undefined ? {} : { depsLockFilePath: props.depsLockFilePath }),
    bundling: {
      format: OutputFormat.ESM,
      target: 'node22',
      mainFields: ['module', 'main'],
      banner: REQUIRE_SHIM,
      minify: true,
      sourceMap: true,
      sourcesContent: false,
      // Bundle the AWS SDK too: the version tested here is the version that runs.
      bundleAwsSDK: true,
      ...(props.handlersModule ? { esbuildArgs: { '--alias:weft-handlers': props.handlersModule } } : {}),
      commandHooks: {
        beforeBundling: () => [],
        beforeInstall: () => [],
        afterBundling: (_inputDir: string, outputDir: string) => [
          `cp ${shellQuote(plansFile)} ${shellQuote(join(outputDir, BUNDLED_PLANS_FILE))}`,
          ...(props.handlersModule
            ? isolationBundles(props.projectRoot ?? process.cwd(), props.handlersModule, outputDir)
            : []),
        ],
      },
    },
  });
}

/**
 * The worker's files for `isolation: thread` tasks: the handlers module bundled on its own
 * (`weft-handlers.mjs`) and the host a worker thread runs (`task-host.mjs`), beside the worker's bundle.
 * A thread loads modules from files, and the worker's own bundle has the handlers inlined.
 */
function isolationBundles(projectRoot: string, handlersModule: string, outputDir: string): string[] {
  const esbuild = join(projectRoot, 'node_modules', '.bin', 'esbuild');
  const bundle = (entry: string, file: string) =>
    [
      shellQuote(esbuild),
      shellQuote(entry),
      '--bundle',
      '--platform=node',
      '--target=node22',
      '--format=esm',
      '--main-fields=module,main',
      `--banner:js=${shellQuote(REQUIRE_SHIM)}`,
      '--minify',
      '--sourcemap',
      '--log-level=warning',
      `--outfile=${shellQuote(join(outputDir, file))}`,
    ].join(' ');
  return [bundle(handlersModule, ISOLATION_FILES.handlers), bundle(taskHostEntry(), ISOLATION_FILES.host)];
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}
