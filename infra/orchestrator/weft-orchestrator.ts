import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArnFormat, type CfnElement, Duration, Stack, Validations } from 'aws-cdk-lib';
import type { Dashboard, IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { API_ROUTES } from '../../src/api/routes.ts';
import { TABLE_SCHEMA } from '../../src/store/table-schema.ts';
import type { Plan } from '../../src/workflow/plan.ts';
import { WeftAlarms } from './alarms.ts';
import { weftDashboard } from './dashboard.ts';
import { type WeftApiAuth, WeftHttpApi } from './http-api.ts';
import { acknowledgeNagFindings } from './nag-acknowledgements.ts';
import { EventBridgeScheduleReaper } from './reaper.ts';
import { WeftRules } from './rules.ts';
import { resolveSettings } from './settings.ts';
import { WeftStorage } from './storage.ts';
import { weftFunction } from './weft-function.ts';

/** What the runtime does with the table: single-item reads, conditional puts and updates, index queries. */
export const TABLE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:UpdateItem',
] as const;

/** The repository root (functions/ and package-lock.json live there). */
const PROJECT_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export interface WeftOrchestratorProps {
  /** The workflows, compiled and checked against the handlers (see `readWeftDeployment`). Names must be unique. */
  readonly plans: readonly Plan[];
  /** The module whose named exports are the task and compensation handlers; bundled into the worker. */
  readonly handlersModule: string;
  /**
   * Longest run of one worker invocation (a batch of task attempts), whole seconds up to 15 minutes; every
   * task's `timeout` must fit in it, and the task queue's visibility timeout is 6 times it.
   * @default Duration.minutes(1)
   */
  readonly workerTimeout?: Duration;
  /** Task messages per worker invocation, 1 to 10. @default 10 */
  readonly batchSize?: number;
  /** Most worker invocations at once for the queue, 2 to 1000. @default 50 */
  readonly maxConcurrency?: number;
  /** Worker memory in MB, 128 to 10240. @default 1024 */
  readonly workerMemorySize?: number;
  /** Days a finished run stays in the table before TTL deletes it. @default 30 */
  readonly retentionDays?: number;
  /** API authorisation. @default { type: 'iam' } (SigV4) */
  readonly apiAuth?: WeftApiAuth;
  /** Retention of every function's and the API's logs. @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** Notified by every alarm. @default none */
  readonly alarmAction?: IAlarmAction;
  /** @default a generated name */
  readonly dashboardName?: string;
  /** The event bus the workflows' `on:` rules listen to. @default the account's default bus */
  readonly eventBus?: IEventBus;
}

/**
 * weft in an AWS account: the runs table, the task queue and its dead-letter queue, the API, worker,
 * reaper and trigger functions, the EventBridge rules of the workflows' triggers and schedules, alarms and
 * a dashboard.
 *
 * @example
 * const handlersModule = 'src/handlers.ts';
 * const plans = await readWeftDeployment({ workflowsDir: 'workflows', handlersModule });
 * new WeftOrchestrator(stack, 'Weft', { plans, handlersModule });
 */
export class WeftOrchestrator extends Construct {
  readonly table: Table;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  /** Events the trigger function could not take after EventBridge's retries. */
  readonly triggerDeadLetterQueue: Queue;
  readonly apiFunction: NodejsFunction;
  readonly workerFunction: NodejsFunction;
  readonly reaperFunction: NodejsFunction;
  readonly triggerFunction: NodejsFunction;
  readonly httpApi: WeftHttpApi;
  readonly rules: WeftRules;
  readonly alarms: WeftAlarms;
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: WeftOrchestratorProps) {
    super(scope, id);
    const settings = resolveSettings(props);

    // Stateful resources live apart: their construct ids must never change (a new id replaces the resource).
    const storage = new WeftStorage(this, 'Storage', { workerTimeout: settings.workerTimeout });
    this.table = storage.table;
    this.queue = storage.queue;
    this.deadLetterQueue = storage.deadLetterQueue;
    this.triggerDeadLetterQueue = storage.triggerDeadLetterQueue;

    const plansFile = writePlans(props.plans);
    const environment = {
      TABLE_NAME: this.table.tableName,
      QUEUE_URL: this.queue.queueUrl,
      RETENTION_DAYS: String(settings.retentionDays),
    };
    const common = { projectRoot: PROJECT_ROOT, plansFile, environment, logRetention: settings.logRetention };
    const entry = (name: string) => join(PROJECT_ROOT, 'functions', `${name}.ts`);
    this.apiFunction = weftFunction(this, 'ApiFunction', {
      ...common,
      entry: entry('api'),
      description: 'weft: HTTP API',
      timeout: Duration.seconds(29),
      memorySize: 512,
    });
    this.workerFunction = weftFunction(this, 'WorkerFunction', {
      ...common,
      entry: entry('worker'),
      description: 'weft: runs task attempts from the task queue',
      timeout: settings.workerTimeout,
      memorySize: settings.workerMemorySize,
      handlersModule: resolve(props.handlersModule),
      // a task without timeout stops 10 s before the worker would be cut off, and says why
      environment: {
        ...environment,
        TASK_CEILING_MS: String(Math.max(1_000, settings.workerTimeout.toMilliseconds() - 10_000)),
      },
    });
    this.reaperFunction = weftFunction(this, 'ReaperFunction', {
      ...common,
      entry: entry('reaper'),
      description: 'weft: recovery pass (lost dispatches, expired leases)',
      timeout: Duration.minutes(1),
      memorySize: 512,
    });
    this.triggerFunction = weftFunction(this, 'TriggerFunction', {
      ...common,
      entry: entry('trigger'),
      description: 'weft: starts runs from EventBridge events and schedules',
      timeout: Duration.seconds(30),
      memorySize: 512,
    });

    for (const fn of [this.apiFunction, this.workerFunction, this.reaperFunction, this.triggerFunction]) {
      this.grantTableAccess(fn);
      this.queue.grantSendMessages(fn);
    }
    this.workerFunction.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: settings.batchSize,
        maxConcurrency: settings.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
    this.grantLambdaTasks(props.plans);

    new EventBridgeScheduleReaper(this, 'ReaperSchedule', { reaper: this.reaperFunction });
    this.httpApi = new WeftHttpApi(this, 'HttpApi', {
      handler: this.apiFunction,
      auth: props.apiAuth ?? { type: 'iam' },
      logRetention: settings.logRetention,
    });
    this.rules = new WeftRules(this, 'Triggers', {
      plans: props.plans,
      trigger: this.triggerFunction,
      deadLetterQueue: this.triggerDeadLetterQueue,
      ...(props.eventBus ? { eventBus: props.eventBus } : {}),
    });
    this.alarms = new WeftAlarms(this, 'Alarms', {
      deadLetterQueue: this.deadLetterQueue,
      triggerDeadLetterQueue: this.triggerDeadLetterQueue,
      ...(props.alarmAction ? { alarmAction: props.alarmAction } : {}),
    });
    this.dashboard = weftDashboard(this, 'Dashboard', {
      ...(props.dashboardName ? { dashboardName: props.dashboardName } : {}),
      alarms: this.alarms,
      queue: this.queue,
      deadLetterQueue: this.deadLetterQueue,
      functions: {
        api: this.apiFunction,
        worker: this.workerFunction,
        reaper: this.reaperFunction,
        trigger: this.triggerFunction,
      },
    });
    acknowledgeNagFindings(this);
  }

  /**
   * Lets a principal call the API's routes (`execute-api:Invoke`, IAM authorisation), route by route. Run ids
   * are the wildcard in `/runs/*`; when the grantee is a construct, those cdk-nag IAM5 findings are
   * acknowledged on it with that reason.
   */
  grantInvokeApi(grantee: IGrantable): void {
    const routes = API_ROUTES.map((route) => {
      const [method, path] = route.split(' ') as [string, string];
      return { method, path: path.replace(/\{[^}]+\}/g, '*') };
    });
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['execute-api:Invoke'],
        resources: routes.map(({ method, path }) =>
          this.httpApi.api.arnForExecuteApi(method, path, '$default'),
        ),
      }),
    );
    if (!Construct.isConstruct(grantee)) return;
    const apiId = Stack.of(this).getLogicalId(this.httpApi.api.node.defaultChild as CfnElement);
    for (const { method, path } of routes.filter((route) => route.path.includes('*'))) {
      Validations.of(grantee).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${apiId}>/$default/${method}${path}]`,
        reason: path.startsWith('/callbacks/')
          ? `${method} ${path}: the wildcard is a callback token; only its holder can complete the task.`
          : path.includes('/tasks/')
            ? `${method} ${path}: the wildcards are the run id and its task id; a caller of the API may address any run.`
            : `${method} ${path}: the wildcard is the run id; a caller of the API may address any run.`,
      });
    }
  }

  /**
   * Item reads and writes on the runs table and its active-runs index, named exactly: `grantReadWriteData`
   * would add `<table>/index/*` and every stream action, more than weft uses.
   */
  grantTableAccess(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [...TABLE_ACTIONS],
        resources: [this.table.tableArn, `${this.table.tableArn}/index/${TABLE_SCHEMA.activeRunsIndex.name}`],
      }),
    );
  }

  /** The worker may invoke exactly the functions that tasks name with `lambda:`. */
  private grantLambdaTasks(plans: readonly Plan[]): void {
    const targets = new Set<string>();
    for (const plan of plans) {
      for (const task of Object.values(plan.tasks)) if (task.lambda) targets.add(task.lambda);
    }
    if (targets.size === 0) return;
    const stack = this.table.stack;
    const resources = [...targets].sort().map((target) =>
      target.startsWith('arn:')
        ? target
        : stack.formatArn({
            service: 'lambda',
            resource: 'function',
            resourceName: target,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
    );
    this.workerFunction.addToRolePolicy(
      new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources }),
    );
  }
}

/** Writes the compiled plans where the bundling hooks copy them from. */
function writePlans(plans: readonly Plan[]): string {
  const file = join(mkdtempSync(join(tmpdir(), 'weft-plans-')), 'plans.json');
  writeFileSync(file, JSON.stringify(plans));
  return file;
}
