import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildWeftApp } from '../../infra/build-app.ts';
import { WorkflowError } from '../../src/workflow/index.ts';

const root = new URL('../..', import.meta.url).pathname;
const deployDoc = readFileSync(join(root, 'docs/deploy.md'), 'utf8');

/** docs/deploy.md's "Long tasks" example: the workflow file and the context key its command line sets. */
function longTasksExample(): { workflow: string; workerTimeout: string } {
  const section = deployDoc.slice(deployDoc.indexOf('### Long tasks'));
  const workflow = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
  const workerTimeout = /npx cdk deploy -c weft:workerTimeout=(\S+)/.exec(section)?.[1];
  if (workflow === undefined || workerTimeout === undefined) throw new Error('no Long tasks example');
  return { workflow, workerTimeout };
}

const example = longTasksExample();
const project = mkdtempSync(join(tmpdir(), 'weft-long-tasks-'));
const workflowsDir = join(project, 'workflows');
const workflowFile = join(workflowsDir, 'nightly_report.yaml');
const handlersModule = join(project, 'handlers.mjs');

/** The app as `cdk synth` builds it from this context, without bundling the functions. */
function build(context: Record<string, string>) {
  const app = new App({
    outdir: mkdtempSync(join(tmpdir(), 'weft-cdk-')),
    context: {
      'aws:cdk:bundling-stacks': [],
      'weft:workflows': workflowsDir,
      'weft:handlers': handlersModule,
      ...context,
    },
  });
  return buildWeftApp(app, project);
}

let template: Template;

beforeAll(async () => {
  mkdirSync(workflowsDir);
  writeFileSync(workflowFile, example.workflow);
  writeFileSync(handlersModule, 'export async function build_report() { return { rows: 0 }; }\n');
  const stack = await build({
    'weft:workerTimeout': example.workerTimeout,
    'weft:workerMemory': '2048',
    'weft:workerBatchSize': '5',
    'weft:alarmEmail': 'ops@example.com',
  });
  template = Template.fromStack(stack);
}, 60_000);

describe("docs/deploy.md's long-task example", () => {
  it('is refused without the weft:workerTimeout it shows, at the task timeout', async () => {
    const error = await build({}).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WorkflowError);
    expect((error as WorkflowError).message).toMatch(
      new RegExp(
        `^${workflowFile}:\\d+:\\d+: task 'build_report' timeout \\(10m\\) is longer than the worker function's \\(1m\\)`,
      ),
    );
  });

  it('deploys with it: the worker runs that long', () => {
    expect(example.workerTimeout).toBe('11m');
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'weft: runs task attempts from the task queue',
      Timeout: 660,
    });
  });
});

describe('the worker settings from context', () => {
  it('keeps the task queue visible for 6 times the worker timeout', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 6 * 660,
      RedrivePolicy: { maxReceiveCount: 5 },
    });
  });

  it('sets weft:workerMemory on the worker alone', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'weft: runs task attempts from the task queue',
      MemorySize: 2048,
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'weft: HTTP API',
      MemorySize: 512,
      Timeout: 29,
    });
  });

  it('sets weft:workerBatchSize on the event source mapping', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('sends every alarm to an encrypted SNS topic with weft:alarmEmail subscribed', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.length).toBeGreaterThan(0);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toHaveLength(1);
  });

  it('refuses a weft:alarmEmail that is no address, in one line', async () => {
    await expect(build({ 'weft:alarmEmail': 'ops at example' })).rejects.toThrow(
      "weft:alarmEmail: must be an e-mail address such as ops@example.com, got 'ops at example'",
    );
  });

  it('gives the worker the ceiling of tasks without timeout: its timeout less 10 s', () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    const ceilings = functions
      .map((f) => f.Properties.Environment?.Variables?.TASK_CEILING_MS)
      .filter(Boolean);
    expect(ceilings).toEqual([String(11 * 60_000 - 10_000)]);
  });
});

describe('the hardening settings from context', () => {
  const keyArn = 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  let hardened: Template;

  beforeAll(async () => {
    const stack = await build({
      'weft:workerTimeout': example.workerTimeout,
      'weft:apiRateLimit': '20',
      'weft:apiBurstLimit': '30',
      'weft:apiReservedConcurrency': '5',
      'weft:workerReservedConcurrency': '60',
      'weft:reaperReservedConcurrency': '1',
      'weft:triggerReservedConcurrency': '2',
      'weft:kmsKey': keyArn,
      'weft:triggerAccounts': '222222222222, 333333333333',
    });
    hardened = Template.fromStack(stack);
  }, 60_000);

  it('throttles the API and reserves each function its concurrency', () => {
    hardened.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 30 },
    });
    const reserved = Object.fromEntries(
      Object.values(hardened.findResources('AWS::Lambda::Function')).map((f) => [
        f.Properties.Description,
        f.Properties.ReservedConcurrentExecutions,
      ]),
    );
    expect(reserved).toEqual({
      'weft: HTTP API': 5,
      'weft: runs task attempts from the task queue': 60,
      'weft: recovery pass (lost dispatches, expired leases)': 1,
      'weft: starts runs from EventBridge events and schedules': 2,
    });
  });

  it('encrypts the table and the queues with the key given, and outputs it', () => {
    hardened.hasResourceProperties('AWS::DynamoDB::Table', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: keyArn },
    });
    const queues = Object.values(hardened.findResources('AWS::SQS::Queue'));
    expect(queues.map((queue) => queue.Properties.KmsMasterKeyId)).toEqual([keyArn, keyArn, keyArn]);
    hardened.hasOutput('EncryptionKeyArn', { Value: keyArn });
  });

  it('lets the on: rules take events from weft:triggerAccounts besides the stack account', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-triggered-'));
    writeFileSync(
      join(dir, 'triggered.yaml'),
      'workflow:\n  name: triggered\n  on:\n    - pattern: { source: [shop] }\n  tasks:\n    - id: build_report\n',
    );
    const stack = await build({ 'weft:workflows': dir, 'weft:triggerAccounts': '222222222222' });
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['shop'], account: [{ Ref: 'AWS::AccountId' }, '222222222222'] },
    });
  });

  it('refuses each bad value in one line naming the key', async () => {
    const error = await build({
      'weft:apiRateLimit': 'fast',
      'weft:workerReservedConcurrency': '0',
      'weft:kmsKey': 'alias/weft',
      'weft:triggerAccounts': '12345',
      'weft:kmsKeys': 'create',
    }).catch((caught: unknown) => caught);
    expect(String((error as Error).message).split('\n')).toEqual([
      "unknown context key 'weft:kmsKeys'; did you mean 'weft:kmsKey'?",
      "weft:apiRateLimit: must be an integer from 1 to 10000, got 'fast'",
      "weft:workerReservedConcurrency: must be an integer from 1 to 1000, got '0'",
      "weft:kmsKey: must be 'create' or a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), got 'alias/weft'",
      "weft:triggerAccounts: each must be a 12-digit AWS account id, got '12345'",
    ]);
  });
});
