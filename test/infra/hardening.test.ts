import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AccountRootPrincipal, Role } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { WeftOrchestrator, type WeftOrchestratorProps } from '../../infra/orchestrator/weft-orchestrator.ts';
import type { Plan } from '../../src/workflow/plan.ts';
import { chainPlan } from '../support/fake-runtime.ts';

const handlersModule = new URL('../fixtures/infra/handlers.ts', import.meta.url).pathname;
const orders = chainPlan('orders', ['charge'], {
  triggers: [{ pattern: { source: ['shop'], 'detail-type': ['Order Placed'] } }],
});
const payments = chainPlan('payments', ['pay']);

type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string };

/** Synthesises an orchestrator with `props` (cdk-nag checking it) and returns its resources. */
function synth(
  props: Partial<WeftOrchestratorProps> = {},
  extra?: (stack: Stack, weft: WeftOrchestrator) => void,
): Record<string, Resource> {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'weft-cdk-')) });
  const stack = new Stack(app, 'Hardened', { env: { account: '111111111111', region: 'eu-west-1' } });
  const weft = new WeftOrchestrator(stack, 'Weft', { plans: [orders, payments], handlersModule, ...props });
  extra?.(stack, weft);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
  return Template.fromStack(stack).toJSON().Resources as Record<string, Resource>;
}

const ofType = (resources: Record<string, Resource>, type: string) =>
  Object.entries(resources).filter(([, resource]) => resource.Type === type);

function functionProps(resources: Record<string, Resource>, name: string): Record<string, unknown> {
  const found = ofType(resources, 'AWS::Lambda::Function').find(([id]) =>
    id.startsWith(`Weft${name}Function`),
  );
  if (!found) expect.fail(`no ${name} function`);
  return found[1].Properties;
}

function refusal(props: Partial<WeftOrchestratorProps>): string {
  try {
    synth(props);
  } catch (error) {
    return String((error as Error).message);
  }
  return expect.fail('synthesised');
}

describe('WeftOrchestrator hardening: throttling and reserved concurrency', () => {
  it('sets the API throttling and each function reserved concurrency as given', () => {
    const resources = synth({
      apiThrottle: { rateLimit: 20, burstLimit: 40 },
      reservedConcurrency: { api: 5, worker: 60, reaper: 1 },
    });
    const [stage] = ofType(resources, 'AWS::ApiGatewayV2::Stage');
    expect(stage?.[1].Properties.DefaultRouteSettings).toEqual({
      ThrottlingRateLimit: 20,
      ThrottlingBurstLimit: 40,
    });
    expect(functionProps(resources, 'Api').ReservedConcurrentExecutions).toBe(5);
    expect(functionProps(resources, 'Worker').ReservedConcurrentExecutions).toBe(60);
    expect(functionProps(resources, 'Reaper').ReservedConcurrentExecutions).toBe(1);
    expect(functionProps(resources, 'Trigger').ReservedConcurrentExecutions).toBeUndefined();
  });

  it('rejects throttling and reservations out of range, and a worker reserving less than its queue may use', () => {
    expect(refusal({ apiThrottle: { rateLimit: 0 }, reservedConcurrency: { api: 0 } })).toMatch(
      /apiThrottle.rateLimit: must be an integer from 1 to 10000, got 0.*reservedConcurrency.api: must be an integer from 1 to 1000, got 0/,
    );
    expect(refusal({ reservedConcurrency: { worker: 10 } })).toMatch(
      /reservedConcurrency.worker: 10 is less than the queue's maxConcurrency \(50\)/,
    );
  });
});

describe('WeftOrchestrator with a JWT authoriser', () => {
  it('tells the API function, whose handler then checks the scopes', () => {
    const resources = synth({
      apiAuth: { type: 'jwt', issuer: 'https://issuer.example.com', audience: ['c1'] },
    });
    const environment = functionProps(resources, 'Api').Environment as { Variables: Record<string, unknown> };
    expect(environment.Variables.API_AUTH).toBe('jwt');
  });
});

describe('WeftOrchestrator hardening: a customer-managed key', () => {
  it('creates a rotated, retained key for the table and the three queues, usable by the functions and by EventBridge', () => {
    const resources = synth({ encryptionKey: 'create' });
    const keys = ofType(resources, 'AWS::KMS::Key');
    expect(keys).toHaveLength(1);
    const [keyId, key] = keys[0] as [string, Resource];
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(key.DeletionPolicy).toBe('Retain');
    const keyArn = { 'Fn::GetAtt': [keyId, 'Arn'] };
    const [, table] = ofType(resources, 'AWS::DynamoDB::Table')[0] as [string, Resource];
    expect(table.Properties.SSESpecification).toEqual({
      SSEEnabled: true,
      SSEType: 'KMS',
      KMSMasterKeyId: keyArn,
    });
    const queues = ofType(resources, 'AWS::SQS::Queue');
    expect(queues).toHaveLength(3);
    for (const [, queue] of queues) expect(queue.Properties.KmsMasterKeyId).toEqual(keyArn);
    expect(JSON.stringify(key.Properties.KeyPolicy)).toContain('events.amazonaws.com');
    for (const name of ['Api', 'Worker', 'Reaper', 'Trigger']) {
      const statements = ofType(resources, 'AWS::IAM::Policy')
        .filter(([id]) => id.startsWith(`Weft${name}FunctionRole`))
        .flatMap(
          ([, p]) =>
            (p.Properties.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] })
              .Statement,
        );
      expect(statements).toContainEqual(
        expect.objectContaining({
          Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
          Resource: keyArn,
        }),
      );
    }
  });

  it('uses a key given by ARN, and keeps AWS-managed keys by default', () => {
    const arn = 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const given = synth({}, () => undefined);
    expect(ofType(given, 'AWS::KMS::Key')).toHaveLength(0);
    const [, table] = ofType(given, 'AWS::DynamoDB::Table')[0] as [string, Resource];
    expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: true });
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'weft-cdk-')) });
    const stack = new Stack(app, 'Byo', { env: { account: '111111111111', region: 'eu-west-1' } });
    new WeftOrchestrator(stack, 'Weft', {
      plans: [orders],
      handlersModule,
      encryptionKey: Key.fromKeyArn(stack, 'Key', arn),
    });
    const resources = Template.fromStack(stack).toJSON().Resources as Record<string, Resource>;
    const [, byoTable] = ofType(resources, 'AWS::DynamoDB::Table')[0] as [string, Resource];
    expect(byoTable.Properties.SSESpecification).toEqual({
      SSEEnabled: true,
      SSEType: 'KMS',
      KMSMasterKeyId: arn,
    });
  });
});

describe('WeftOrchestrator hardening: trigger rules limited to their sources and accounts', () => {
  const patterns = (resources: Record<string, Resource>) =>
    ofType(resources, 'AWS::Events::Rule')
      .map(([, rule]) => rule.Properties.EventPattern)
      .filter((pattern) => pattern !== undefined);

  it("accepts events from the stack's account only, or the accounts given too", () => {
    expect(patterns(synth())).toEqual([
      { source: ['shop'], 'detail-type': ['Order Placed'], account: ['111111111111'] },
    ]);
    expect(patterns(synth({ triggerAccounts: ['222222222222'] }))).toEqual([
      { source: ['shop'], 'detail-type': ['Order Placed'], account: ['111111111111', '222222222222'] },
    ]);
  });

  it('rejects a pattern that names no source, an account it does not allow, and a malformed account', () => {
    const plan = (pattern: Record<string, unknown>): Plan =>
      chainPlan('p', ['a'], { triggers: [{ pattern }] });
    expect(refusal({ plans: [plan({ 'detail-type': ['x'] })] })).toMatch(
      /workflow 'p', trigger 0: its pattern names no source/,
    );
    expect(refusal({ plans: [plan({ source: [{ prefix: '' }] })] })).toMatch(/names no source/);
    expect(refusal({ plans: [plan({ $or: [{ source: ['a'] }, { 'detail-type': ['b'] }] })] })).toMatch(
      /names no source/,
    );
    expect(refusal({ plans: [plan({ source: ['a'], account: ['333333333333'] })] })).toMatch(
      /accepts events from '333333333333', which the deployment does not allow; add it to triggerAccounts/,
    );
    expect(refusal({ triggerAccounts: ['12345'] })).toMatch(
      /triggerAccounts: each must be a 12-digit AWS account id, got '12345'/,
    );
  });

  it('keeps an account the pattern names when the deployment allows it', () => {
    const plan = chainPlan('p', ['a'], {
      triggers: [{ pattern: { source: ['a'], account: ['222222222222'] } }],
    });
    expect(patterns(synth({ plans: [plan], triggerAccounts: ['222222222222'] }))).toEqual([
      { source: ['a'], account: ['222222222222'] },
    ]);
  });
});

describe('WeftOrchestrator.grantInvokeApi for one workflow', () => {
  it('grants exactly the run routes of that workflow and those actions', () => {
    const resources = synth({}, (stack, weft) => {
      const caller = new Role(stack, 'Caller', { assumedBy: new AccountRootPrincipal() });
      weft.grantInvokeApi(caller, { workflows: ['orders'], actions: ['start', 'read'] });
    });
    const [, policy] = ofType(resources, 'AWS::IAM::Policy').find(([id]) => id.startsWith('Caller')) as [
      string,
      Resource,
    ];
    const text = JSON.stringify(policy.Properties.PolicyDocument);
    const granted = [...text.matchAll(/\/\$default\/(GET|POST)(\/[^"]*)"/g)].map((m) => `${m[1]} ${m[2]}`);
    expect(granted.sort()).toEqual(
      [
        'POST /workflows/orders/runs',
        'POST /workflows/orders/runs/*/redrive',
        'GET /workflows/orders/runs/*',
        'GET /workflows/orders/runs/*/history',
        'GET /workflows/orders/runs/*/tasks/*/output',
      ].sort(),
    );
  });

  it('rejects a workflow that is not deployed', () => {
    expect(() =>
      synth({}, (stack, weft) => {
        weft.grantInvokeApi(new Role(stack, 'Caller', { assumedBy: new AccountRootPrincipal() }), {
          workflows: ['order'],
        });
      }),
    ).toThrow(/no workflow named 'order' is deployed; the workflows are orders, payments/);
  });
});
