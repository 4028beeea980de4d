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
