import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { AccountRootPrincipal, Role } from 'aws-cdk-lib/aws-iam';
import { Code, Function as LambdaFn, Runtime } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { WeftHttpApi } from '../../infra/orchestrator/http-api.ts';
import { WeftRules } from '../../infra/orchestrator/rules.ts';
import { TABLE_GRANTS } from '../../infra/orchestrator/table-grants.ts';
import { API_TIMEOUT_SECONDS, WeftOrchestrator } from '../../infra/orchestrator/weft-orchestrator.ts';
import { WeftStack } from '../../infra/weft-stack.ts';
import { MAX_SUBMIT_WAIT_SECONDS } from '../../src/api/request.ts';
import { API_ROUTES } from '../../src/api/routes.ts';
import type { Plan, PlannedTask } from '../../src/workflow/plan.ts';
import { chainPlan } from '../support/fake-runtime.ts';

const handlersModule = new URL('../fixtures/infra/handlers.ts', import.meta.url).pathname;
const paymentArn = 'arn:aws:lambda:eu-west-1:123456789012:function:payments';
const orders: Plan = {
  ...chainPlan('orders', ['charge'], {
    triggers: [
      { pattern: { source: ['shop'], 'detail-type': [{ prefix: 'Order' }] }, input: { id: '$.detail.id' } },
      { pattern: { $or: [{ source: ['a'] }, { source: ['b'] }] } },
    ],
    schedules: ['rate(1 hour)'],
  }),
  // a sync workflow: the API has the worker run its submissions
  mode: 'sync',
  offPath: [],
};
const paymentsBase = chainPlan('payments', ['pay']);
const payments: Plan = {
  ...paymentsBase,
  tasks: { pay: { ...(paymentsBase.tasks.pay as PlannedTask), lambda: paymentArn } },
};
const plans = [orders, payments];

/** From the API Gateway developer guide, "Customize HTTP API access logs". */
const HTTP_API_LOG_VARIABLES = [
  '$context.requestId',
  '$context.requestTime',
  '$context.identity.sourceIp',
  '$context.identity.userArn',
  '$context.authorizer.claims.sub',
  '$context.httpMethod',
  '$context.routeKey',
  '$context.path',
  '$context.status',
  '$context.protocol',
  '$context.responseLength',
  '$context.responseLatency',
  '$context.integrationStatus',
  '$context.integrationErrorMessage',
  '$context.authorizer.error',
];

type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string };

let app: App;
let template: Template;
let resources: Record<string, Resource>;

function ofType(type: string): [string, Resource][] {
  return Object.entries(resources).filter(([, resource]) => resource.Type === type);
}

interface Statement {
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** Every statement of the policies of one weft function's role (`Api`, `Worker`, ...). */
function statementsOf(fn: string): Statement[] {
  return ofType('AWS::IAM::Policy')
    .filter(([id]) => id.startsWith(`Weft${fn}FunctionRole`))
    .flatMap(([, policy]) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

beforeAll(() => {
  app = new App({ outdir: mkdtempSync(join(tmpdir(), 'weft-cdk-')) });
  const stack = new WeftStack(app, 'WeftTest', { plans, handlersModule });
  const caller = new Role(stack, 'Caller', { assumedBy: new AccountRootPrincipal() });
  stack.orchestrator.grantInvokeApi(caller);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  // Throws if any cdk-nag AwsSolutions finding is neither fixed nor acknowledged with a reason.
  app.synth();
  template = Template.fromStack(stack);
  resources = template.toJSON().Resources as Record<string, Resource>;
}, 120_000);

describe('WeftOrchestrator: the table', () => {
  it('matches TABLE_SCHEMA, on demand, with PITR, TTL, encryption, and is retained', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        SSESpecification: { SSEEnabled: true },
        GlobalSecondaryIndexes: [
          Match.objectLike({
            IndexName: 'gsi1',
            Projection: { ProjectionType: 'KEYS_ONLY' },
            KeySchema: [
              { AttributeName: 'gsi1pk', KeyType: 'HASH' },
              { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
            ],
          }),
        ],
      },
    });
  });
});

describe('WeftOrchestrator: the queues', () => {
  it('encrypts both queues, with a dead-letter queue after 5 receives and 6x the worker timeout', () => {
    const queues = ofType('AWS::SQS::Queue');
    expect(queues).toHaveLength(3);
    for (const [, queue] of queues) expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 360,
      RedrivePolicy: { maxReceiveCount: 5, deadLetterTargetArn: Match.anyValue() },
    });
  });

  it('refuses plain HTTP on the queues', () => {
    const policies = ofType('AWS::SQS::QueuePolicy');
    expect(policies).toHaveLength(3);
    for (const [, policy] of policies) {
      expect(JSON.stringify(policy.Properties)).toContain('"aws:SecureTransport":"false"');
    }
  });

  it('feeds the worker with partial batch failures, batch size and maximum concurrency', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
      ScalingConfig: { MaximumConcurrency: 50 },
    });
  });
});

describe('WeftOrchestrator: the functions', () => {
  it('runs four functions on Node.js 22 with source maps and the table and queue in their environment', () => {
    const functions = ofType('AWS::Lambda::Function');
    expect(functions).toHaveLength(4);
    for (const [, fn] of functions) {
      expect(fn.Properties.Runtime).toBe('nodejs22.x');
      const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(variables.NODE_OPTIONS).toBe('--enable-source-maps');
      expect(Object.keys(variables)).toEqual(
        expect.arrayContaining(['TABLE_NAME', 'QUEUE_URL', 'RETENTION_DAYS']),
      );
      expect(fn.Properties.LoggingConfig).toEqual({ LogGroup: expect.anything() });
    }
  });

  it('bundles the compiled plans next to every function and the handlers into the worker', () => {
    const assetDir = app.outdir;
    const functions = ofType('AWS::Lambda::Function');
    for (const [, fn] of functions) {
      const hash = String((fn.Properties.Code as { S3Key: string }).S3Key).replace(/\.zip$/, '');
      const bundled = join(assetDir, `asset.${hash}`);
      expect(JSON.parse(readFileSync(join(bundled, 'plans.json'), 'utf8'))).toEqual(plans);
      expect(existsSync(join(bundled, 'index.mjs.map'))).toBe(true);
    }
    const worker = functions.find(([id]) => id.includes('Worker'))?.[1];
    expect(worker).toBeDefined();
    const workerHash = String((worker?.Properties.Code as { S3Key?: string } | undefined)?.S3Key).replace(
      /\.zip$/,
      '',
    );
    expect(readFileSync(join(assetDir, `asset.${workerHash}`, 'index.mjs'), 'utf8')).toContain('charged');
  });

  it('keeps every log group for a month, and the API access logs past the stack', () => {
    const groups = ofType('AWS::Logs::LogGroup');
    expect(groups.length).toBe(5);
    for (const [, group] of groups) expect(group.Properties.RetentionInDays).toBe(30);
    const kept = groups.filter(([, group]) => group.DeletionPolicy === 'Retain').map(([id]) => id);
    expect(kept).toEqual([expect.stringMatching(/^WeftHttpApiAccessLogs/)]);
  });

  it('grants no wildcard action and no managed policy', () => {
    for (const [, policy] of ofType('AWS::IAM::Policy')) {
      const { Statement } = policy.Properties.PolicyDocument as {
        Statement: { Action: string | string[] }[];
      };
      for (const statement of Statement) {
        for (const action of [statement.Action].flat()) expect(action).not.toMatch(/\*/);
      }
    }
    for (const [, role] of ofType('AWS::IAM::Role'))
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it("lets each function write its own log group's streams, and no other", () => {
    const roles = ofType('AWS::IAM::Role').filter(([id]) => /Weft\w+FunctionRole/.test(id));
    expect(roles).toHaveLength(4);
    for (const role of ['Api', 'Worker', 'Reaper', 'Trigger']) {
      const logs = statementsOf(role).filter((s) => [s.Action].flat().some((a) => a.startsWith('logs:')));
      expect(logs).toEqual([
        expect.objectContaining({
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: { 'Fn::GetAtt': [expect.stringMatching(new RegExp(`^Weft${role}FunctionLogs`)), 'Arn'] },
        }),
      ]);
    }
  });

  it.each([
    ['Api', 'api'],
    ['Worker', 'worker'],
    ['Reaper', 'reaper'],
    ['Trigger', 'trigger'],
  ] as const)('grants the %s function exactly its table statements', (name, role) => {
    const table = statementsOf(name).filter((s) => [s.Action].flat().some((a) => a.startsWith('dynamodb:')));
    expect(
      table.map((s) => ({
        actions: [s.Action].flat().sort(),
        index: JSON.stringify(s.Resource).includes('/index/gsi1'),
        keys: s.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'],
      })),
    ).toEqual(
      TABLE_GRANTS[role].map((grant) => ({
        actions: [...grant.actions].sort(),
        index: grant.index === true,
        keys: grant.leadingKeyPrefixes?.map((prefix) => `${prefix}*`),
      })),
    );
    for (const statement of table) expect(JSON.stringify(statement)).not.toContain('/index/*');
  });

  it('lets the reaper create no runs, the worker only runs and plans (child runs), slots aside, and no write elsewhere', () => {
    // the reaper puts concurrency slots only (a run it ends gives its slot back)
    const reaperPuts = statementsOf('Reaper').filter((s) => [s.Action].flat().includes('dynamodb:PutItem'));
    expect(reaperPuts.map((s) => s.Condition)).toEqual([
      { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['SLOT#*'] } },
    ]);
    const puts = statementsOf('Worker').filter((s) => [s.Action].flat().includes('dynamodb:PutItem'));
    expect(puts.map((s) => s.Condition)).toEqual([
      { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['RUN#*', 'PLAN#*'] } },
      { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['SLOT#*'] } },
    ]);
    const updates = statementsOf('Worker').filter((s) => [s.Action].flat().includes('dynamodb:UpdateItem'));
    expect(updates.map((s) => s.Condition)).toEqual([
      { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['RUN#*'] } },
    ]);
  });

  it('lets only the worker invoke the functions tasks name with lambda:, and the API only the worker', () => {
    const invokes = (fn: string) =>
      statementsOf(fn).filter((s) => [s.Action].flat().includes('lambda:InvokeFunction'));
    expect(JSON.stringify(invokes('Worker'))).toContain(paymentArn);
    // mode: sync: the API function invokes the worker, which runs the submission's critical path
    const api = invokes('Api');
    expect(api).toHaveLength(1);
    expect(JSON.stringify(api[0]?.Resource)).toMatch(/WorkerFunction/);
    expect(JSON.stringify(api)).not.toContain(paymentArn);
    for (const fn of ['Reaper', 'Trigger']) expect(invokes(fn)).toEqual([]);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'weft: HTTP API',
      Environment: {
        Variables: Match.objectLike({ WORKER_FUNCTION: { Ref: Match.stringLikeRegexp('WorkerFunction') } }),
      },
    });
  });
});

describe('WeftOrchestrator: schedules and rules', () => {
  it('runs the reaper every minute', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('Reaper'), 'Arn'] } })],
    });
  });

  it('creates a rule per trigger, with the pattern as written, targeting the trigger function', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['shop'],
        'detail-type': [{ prefix: 'Order' }],
        account: [{ Ref: 'AWS::AccountId' }],
      },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('Trigger'), 'Arn'] },
          InputTransformer: {
            InputTemplate: '{"weft":{"workflow":"orders","trigger":0},"event":<aws.events.event.json>}',
          },
        }),
      ],
    });
    const patterns = ofType('AWS::Events::Rule').map(([, rule]) => rule.Properties.EventPattern);
    expect(patterns.filter((pattern) => pattern !== undefined)).toEqual(
      orders.triggers.map((t) => ({ ...t.pattern, account: [{ Ref: 'AWS::AccountId' }] })),
    );
  });

  it('creates a rule per schedule', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 hour)',
      Targets: [
        Match.objectLike({
          InputTransformer: {
            InputTemplate:
              '{"weft":{"workflow":"orders","schedule":"rate(1 hour)"},"event":<aws.events.event.json>}',
          },
        }),
      ],
    });
    expect(ofType('AWS::Events::Rule')).toHaveLength(4);
  });
});

describe('WeftRules on a custom event bus', () => {
  it('puts the on: rules on the given bus and the schedules on the default one', () => {
    const stack = new Stack(new App(), 'Bus');
    const trigger = new LambdaFn(stack, 'Fn', {
      runtime: Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: Code.fromInline('exports.handler = async () => ({})'),
    });
    new WeftRules(stack, 'Rules', {
      plans: [orders],
      trigger,
      deadLetterQueue: new Queue(stack, 'Dlq'),
      eventBus: new EventBus(stack, 'Bus', { eventBusName: 'orders' }),
    });
    const rules = Object.values(Template.fromStack(stack).findResources('AWS::Events::Rule'));
    const onBus = rules.filter((rule) => rule.Properties.EventBusName !== undefined);
    expect(onBus.map((rule) => rule.Properties.EventPattern)).toEqual(
      orders.triggers.map((t) => ({ ...t.pattern, account: [{ Ref: 'AWS::AccountId' }] })),
    );
    const scheduled = rules.filter((rule) => rule.Properties.ScheduleExpression !== undefined);
    expect(scheduled).toHaveLength(1);
    expect(scheduled[0]?.Properties.EventBusName).toBeUndefined();
  });
});

describe('WeftOrchestrator: the HTTP API', () => {
  it('declares exactly the API routes, each behind IAM', () => {
    const routes = ofType('AWS::ApiGatewayV2::Route').map(([, route]) => route.Properties);
    expect(routes.map((route) => route.RouteKey).sort()).toEqual(
      [
        'GET /workflows/{name}/runs/{id}',
        'GET /workflows/{name}/runs/{id}/history',
        'GET /workflows/{name}/runs/{id}/tasks/{taskId}/output',
        'GET /workflows',
        'POST /workflows/{name}/runs',
        'POST /workflows/{name}/runs/{id}/cancel',
        'POST /workflows/{name}/runs/{id}/redrive',
        'POST /workflows/{name}/runs/{id}/rollback',
        'POST /callbacks/{token}',
        'POST /callbacks/{token}/heartbeat',
      ].sort(),
    );
    // no route reaches a run without naming its workflow
    expect(routes.filter((route) => String(route.RouteKey).includes(' /runs'))).toEqual([]);
    for (const route of routes) expect(route.AuthorizationType).toBe('AWS_IAM');
  });

  it('grants a caller execute-api:Invoke on this API only', () => {
    const policy = ofType('AWS::IAM::Policy').find(([id]) => id.startsWith('Caller'))?.[1];
    const document = policy?.Properties.PolicyDocument as
      | { Statement: { Action: string; Resource: unknown }[] }
      | undefined;
    const statements = document?.Statement ?? [];
    expect(statements).toHaveLength(1);
    expect(statements[0]?.Action).toBe('execute-api:Invoke');
    const resources = JSON.stringify(statements[0]?.Resource);
    for (const route of [
      '/$default/POST/workflows/*/runs"',
      '/$default/GET/workflows/*/runs/*"',
      '/$default/GET/workflows/*/runs/*/history"',
      '/$default/GET/workflows/*/runs/*/tasks/*/output"',
      '/$default/POST/workflows/*/runs/*/cancel"',
      '/$default/POST/workflows/*/runs/*/redrive"',
      '/$default/POST/workflows/*/runs/*/rollback"',
      '/$default/GET/workflows"',
      '/$default/POST/callbacks/*"',
      '/$default/POST/callbacks/*/heartbeat"',
    ]) {
      expect(resources).toContain(route);
    }
  });

  it('logs access on the $default stage', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
    });
    const stage = ofType('AWS::ApiGatewayV2::Stage')[0]?.[1];
    const settings = stage?.Properties.AccessLogSettings as { Format: string } | undefined;
    const format = JSON.parse(String(settings?.Format)) as Record<string, string>;
    // Only variables HTTP APIs define (REST-only ones such as $context.resourcePath fail the deployment).
    for (const variable of Object.values(format)) expect(HTTP_API_LOG_VARIABLES).toContain(variable);
  });

  it('throttles every route by default, 50 requests per second with bursts of 100', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
  });

  it('tells the API function its authoriser, so that JWT scopes are checked', () => {
    const api = ofType('AWS::Lambda::Function').find(([id]) => id.startsWith('WeftApiFunction'))?.[1];
    const environment = api?.Properties.Environment as { Variables: Record<string, unknown> } | undefined;
    expect(environment?.Variables.API_AUTH).toBe('iam');
  });

  it('gives the API function time for the longest ?wait= and its answer, within the integration timeout', () => {
    const api = ofType('AWS::Lambda::Function').find(([id]) => id.startsWith('WeftApiFunction'))?.[1];
    const timeout = Number(api?.Properties.Timeout);
    expect(timeout).toBe(API_TIMEOUT_SECONDS);
    expect(timeout).toBeGreaterThanOrEqual(MAX_SUBMIT_WAIT_SECONDS + 3);
    // HTTP APIs end an integration at 30 s (their default and their limit)
    const integrations = ofType('AWS::ApiGatewayV2::Integration');
    expect(integrations.length).toBeGreaterThan(0);
    for (const [, integration] of integrations) {
      const millis = Number(integration.Properties.TimeoutInMillis ?? 30_000);
      expect(millis).toBeGreaterThan(timeout * 1000);
    }
  });

  it('can use a JWT authoriser instead, still on every route', () => {
    const stack = new Stack(new App(), 'Jwt');
    const handler = new LambdaFn(stack, 'Fn', {
      runtime: Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: Code.fromInline('exports.handler = async () => ({})'),
    });
    new WeftHttpApi(stack, 'Api', {
      handler,
      auth: { type: 'jwt', issuer: 'https://issuer.example.com', audience: ['client-1'] },
      logRetention: RetentionDays.ONE_WEEK,
    });
    const jwt = Template.fromStack(stack);
    jwt.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Issuer: 'https://issuer.example.com', Audience: ['client-1'] },
    });
    const routes = Object.values(jwt.findResources('AWS::ApiGatewayV2::Route'));
    expect(routes).toHaveLength(API_ROUTES.length);
    for (const route of routes) expect(route.Properties.AuthorizationType).toBe('JWT');
  });

  it('rejects a JWT authoriser without an audience', () => {
    const stack = new Stack(new App(), 'Jwt');
    const handler = new LambdaFn(stack, 'Fn', {
      runtime: Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: Code.fromInline('exports.handler = async () => ({})'),
    });
    expect(
      () =>
        new WeftHttpApi(stack, 'Api', {
          handler,
          auth: { type: 'jwt', issuer: 'https://issuer.example.com', audience: [] },
          logRetention: RetentionDays.ONE_WEEK,
        }),
    ).toThrow(/audience/);
  });
});

describe('WeftOrchestrator: alarms and dashboard', () => {
  it('alarms on scheduling latency p99 over 5 s', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Weft',
      MetricName: 'SchedulingLatency',
      ExtendedStatistic: 'p99',
      Threshold: 5000,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('alarms on a rollback success rate under 99.9 %', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 99.9,
      ComparisonOperator: 'LessThanThreshold',
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: Match.stringLikeRegexp('ok / \\(ok \\+ failed\\)') }),
        Match.objectLike({
          MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'RollbackFailed' }) }),
        }),
      ]),
    });
  });

  it('alarms on a CAS conflict rate over 1 %', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 1,
      ComparisonOperator: 'GreaterThanThreshold',
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: Match.stringLikeRegexp('conflicts / attempts') }),
        Match.objectLike({
          MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'CasAttempts' }) }),
        }),
      ]),
    });
  });

  it('alarms on any message in the dead-letter queue', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      Dimensions: [
        { Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('DeadLetter'), 'QueueName'] } },
      ],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 0,
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('TriggerDeadLetter'), 'QueueName'] },
        },
      ],
    });
    expect(ofType('AWS::CloudWatch::Alarm')).toHaveLength(5);
  });

  it('builds a dashboard with the alarmed figures', () => {
    const [, dashboard] = ofType('AWS::CloudWatch::Dashboard')[0] ?? [];
    const body = JSON.stringify(dashboard?.Properties.DashboardBody);
    for (const name of [
      'SchedulingLatency',
      'RollbackSucceeded',
      'CasConflicts',
      'RunDuration',
      'TaskDuration',
    ]) {
      expect(body).toContain(name);
    }
  });
});

describe('WeftOrchestrator: settings', () => {
  it.each([
    [{ batchSize: 11 }, /batchSize/],
    [{ maxConcurrency: 1 }, /maxConcurrency/],
    [{ retentionDays: 0 }, /retentionDays/],
    [{ workerTimeout: Duration.minutes(16) }, /workerTimeout: must be whole seconds from 1 s to 15 minutes/],
    [{ workerTimeout: Duration.millis(1500) }, /workerTimeout: must be whole seconds .*, got 1.5 s/],
    [{ workerMemorySize: 64 }, /workerMemorySize: must be an integer from 128 to 10240, got 64/],
  ])('rejects %o', (settings, message) => {
    const stack = new Stack(new App(), 'Bad');
    expect(() => new WeftOrchestrator(stack, 'Weft', { plans, handlersModule, ...settings })).toThrow(
      message,
    );
  });

  it('rejects a task whose timeout outlasts the worker function', () => {
    const slow = chainPlan('slow', ['crunch']);
    const long: Plan = {
      ...slow,
      tasks: { crunch: { ...(slow.tasks.crunch as PlannedTask), timeoutMs: 120_000 } },
    };
    const stack = new Stack(new App(), 'Slow');
    expect(() => new WeftOrchestrator(stack, 'Weft', { plans: [long], handlersModule })).toThrow(
      /workflow 'slow', task 'crunch': its timeout \(120 s\) is longer than the worker function's \(60 s\)/,
    );
  });

  it('rejects a task isolated in a process of its own without lambda:, and takes one with it', () => {
    const base = chainPlan('isolated', ['crunch']);
    const crunch = base.tasks.crunch as PlannedTask;
    const isolated: Plan = { ...base, tasks: { crunch: { ...crunch, isolation: 'process' } } };
    expect(
      () => new WeftOrchestrator(new Stack(new App(), 'Iso'), 'Weft', { plans: [isolated], handlersModule }),
    ).toThrow(/workflow 'isolated', task 'crunch': isolation: process needs lambda: on AWS/);
    const own: Plan = {
      ...base,
      tasks: { crunch: { ...crunch, isolation: 'process', lambda: 'crunch-fn' } },
    };
    expect(
      () => new WeftOrchestrator(new Stack(new App(), 'Own'), 'Weft', { plans: [own], handlersModule }),
    ).not.toThrow();
  });

  it('rejects an empty list of workflows', () => {
    const stack = new Stack(new App(), 'Empty');
    expect(() => new WeftOrchestrator(stack, 'Weft', { plans: [], handlersModule })).toThrow(/no workflow/);
  });
});
