import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type CfnElement, Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import type { Dashboard, IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { MAX_SUBMIT_WAIT_SECONDS } from '../../src/api/request.ts';
import { UserInputError } from '../../src/errors.ts';
import type { Plan } from '../../src/workflow/plan.ts';
import { WeftAlarms } from './alarms.ts';
import { type InvokeScope, invokeResources } from './api-grants.ts';
import { weftDashboard } from './dashboard.ts';
import { defaultProjectRoot, functionEntry } from './function-code.ts';
import { grantKeyUse, grantLambdaTasks, grantQueueSend, grantTable } from './function-grants.ts';
import { type WeftApiAuth, WeftHttpApi } from './http-api.ts';
import { acknowledgeNagFindings } from './nag-acknowledgements.ts';
import { EventBridgeScheduleReaper } from './reaper.ts';
import { triggerRuleProblems, WeftRules } from './rules.ts';
import {
  type ApiThrottle,
  type FunctionRole,
  type ReservedConcurrency,
  resolveSettings,
} from './settings.ts';
import { WeftStorage } from './storage.ts';
import { TABLE_GRANTS } from './table-grants.ts';
import { weftFunction } from './weft-function.ts';

/**
 * The API function's timeout: a submission's longest wait (`?wait=`, 25 s) plus 4 s for the submit itself
 * and the answer, which is also what API Gateway allows an HTTP API integration (29 s by default).
 */
export const API_TIMEOUT_SECONDS = MAX_SUBMIT_WAIT_SECONDS + 4;

export interface WeftOrchestratorProps {
  /** The workflows, compiled and checked against the handlers (see `readWeftDeployment`). Names must be unique. */
  readonly plans: readonly Plan[];
  /** The module whose named exports are the task and compensation handlers; bundled into the worker. */
  readonly handlersModule: string;
  /**
   * The folder esbuild bundles the functions from (the handlers module's imports resolve from there).
   * @default the folder of the nearest lock file above the current directory, as for a `NodejsFunction`
   */
  readonly projectRoot?: string;
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
  /**
   * Accounts whose events the `on:` rules accept besides this stack's own (each rule's pattern gets them
   * as `account`). @default none
   */
  readonly triggerAccounts?: readonly string[];
  /**
   * The API stage's default route throttling: steady requests per second (1 to 10,000) and burst (1 to
   * 5,000); past it API Gateway answers 429. @default { rateLimit: 50, burstLimit: 100 }
   */
  readonly apiThrottle?: Partial<ApiThrottle>;
  /**
   * Concurrent executions reserved per function (1 to 1,000; the worker's at least `maxConcurrency`). A
   * reservation is also a ceiling, and the account keeps at least 100 unreserved. @default none
   */
  readonly reservedConcurrency?: ReservedConcurrency;
  /**
   * A customer-managed KMS key for the table and the queues: `'create'` makes one (retained, rotated), or
   * give yours (its key policy must let EventBridge use it: see docs/deploy.md). @default AWS-managed keys
   */
  readonly encryptionKey?: IKey | 'create';
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
  /** The customer-managed key of the table and queues, when `encryptionKey` asked for one. */
  readonly encryptionKey: IKey | undefined;
  private readonly plans: readonly Plan[];

  constructor(scope: Construct, id: string, props: WeftOrchestratorProps) {
    super(scope, id);
    const settings = resolveSettings(props);
    const ruleProblems = triggerRuleProblems(
      props.plans,
      Stack.of(this).account,
      props.triggerAccounts ?? [],
    );
    if (ruleProblems.length > 0) {
      throw new UserInputError('orchestrator.settings', `WeftOrchestrator: ${ruleProblems.join('; ')}`);
    }
    this.plans = props.plans;
    const apiAuth = props.apiAuth ?? { type: 'iam' };

    // Stateful resources live apart: their construct ids must never change (a new id replaces the resource).
    const storage = new WeftStorage(this, 'Storage', {
      workerTimeout: settings.workerTimeout,
      ...(props.encryptionKey ? { encryptionKey: props.encryptionKey } : {}),
    });
    this.encryptionKey = storage.encryptionKey;
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
    const bundleRoot =
      props.projectRoot === undefined ? defaultProjectRoot() : { projectRoot: resolve(props.projectRoot) };
    const common = { ...bundleRoot, plansFile, environment, logRetention: settings.logRetention };
    const reserved = (role: FunctionRole) => {
      const value = settings.reservedConcurrency[role];
      return value === undefined ? {} : { reservedConcurrency: value };
    };
    this.apiFunction = weftFunction(this, 'ApiFunction', {
      ...common,
      ...reserved('api'),
      entry: functionEntry('api'),
      description: 'weft: HTTP API',
      // jwt: the handler checks each route's scope; iam: API Gateway checked the route's ARN
      environment: { ...environment, API_AUTH: apiAuth.type },
      timeout: Duration.seconds(API_TIMEOUT_SECONDS),
      memorySize: 512,
    });
    this.workerFunction = weftFunction(this, 'WorkerFunction', {
      ...common,
      ...reserved('worker'),
      entry: functionEntry('worker'),
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
      ...reserved('reaper'),
      entry: functionEntry('reaper'),
      description: 'weft: recovery pass (lost dispatches, expired leases)',
      timeout: Duration.minutes(1),
      memorySize: 512,
    });
    this.triggerFunction = weftFunction(this, 'TriggerFunction', {
      ...common,
      ...reserved('trigger'),
      entry: functionEntry('trigger'),
      description: 'weft: starts runs from EventBridge events and schedules',
      timeout: Duration.seconds(30),
      memorySize: 512,
    });

    const functions: Record<FunctionRole, NodejsFunction> = {
      api: this.apiFunction,
      worker: this.workerFunction,
      reaper: this.reaperFunction,
      trigger: this.triggerFunction,
    };
    for (const [role, fn] of Object.entries(functions) as [FunctionRole, NodejsFunction][]) {
      this.grantTableAccess(fn, role);
      grantQueueSend(fn, this.queue);
      if (this.encryptionKey) grantKeyUse(fn, this.encryptionKey);
    }
    this.workerFunction.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: settings.batchSize,
        maxConcurrency: settings.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
    grantLambdaTasks(this.workerFunction, props.plans);
    if (props.plans.some((plan) => plan.mode === 'sync')) {
      // a sync workflow's submission is run by the worker (it has the handlers), invoked by the API
      this.apiFunction.addEnvironment('WORKER_FUNCTION', this.workerFunction.functionName);
      // the function itself, no version or alias (`grantInvoke` would add `:*`)
      this.apiFunction.addToRolePolicy(
        new PolicyStatement({
          actions: ['lambda:InvokeFunction'],
          resources: [this.workerFunction.functionArn],
        }),
      );
    }

    new EventBridgeScheduleReaper(this, 'ReaperSchedule', { reaper: this.reaperFunction });
    this.httpApi = new WeftHttpApi(this, 'HttpApi', {
      handler: this.apiFunction,
      auth: apiAuth,
      logRetention: settings.logRetention,
      throttle: settings.apiThrottle,
    });
    this.rules = new WeftRules(this, 'Triggers', {
      plans: props.plans,
      trigger: this.triggerFunction,
      deadLetterQueue: this.triggerDeadLetterQueue,
      ...(props.eventBus ? { eventBus: props.eventBus } : {}),
      ...(props.triggerAccounts ? { triggerAccounts: props.triggerAccounts } : {}),
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
   * Lets a principal call the API (`execute-api:Invoke`, IAM authorisation), route by route: every route by
   * default, or with `scope` only the run routes of some workflows and/or actions (the same actions as the
   * JWT scopes: start = submit and redrive, read, cancel = cancel and rollback). When the grantee is a
   * construct, the cdk-nag IAM5 findings of the wildcards (run ids, task ids, tokens) are acknowledged on it.
   *
   * @example
   * weft.grantInvokeApi(loanService, { workflows: ['loan_approval'], actions: ['start', 'read'] });
   */
  grantInvokeApi(grantee: IGrantable, scope: InvokeScope = {}): void {
    const unknown = (scope.workflows ?? []).filter((name) => !this.plans.some((plan) => plan.name === name));
    if (unknown.length > 0 || scope.workflows?.length === 0) {
      throw new UserInputError(
        'orchestrator.settings',
        `grantInvokeApi: ${unknown.length > 0 ? `no workflow named ${unknown.map((n) => `'${n}'`).join(', ')} is deployed` : 'workflows is empty'}; the workflows are ${this.plans.map((plan) => plan.name).join(', ')}`,
      );
    }
    const resources = invokeResources(scope);
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['execute-api:Invoke'],
        resources: resources.map(({ method, path }) =>
          this.httpApi.api.arnForExecuteApi(method, path, '$default'),
        ),
      }),
    );
    if (!Construct.isConstruct(grantee)) return;
    const stack = Stack.of(this);
    const apiId = stack.getLogicalId(this.httpApi.api.node.defaultChild as CfnElement);
    // cdk-nag names the stack's region and account as written, or as the pseudo parameters
    const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
    const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
    for (const { method, path, wildcard } of resources) {
      if (wildcard === undefined) continue;
      Validations.of(grantee).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:${region}:${account}:<${apiId}>/$default/${method}${path}]`,
        reason: `${method} ${path}: ${wildcard}.`,
      });
    }
  }

  /**
   * The table access of one of weft's functions (`TABLE_GRANTS`: what its code calls, each write bounded
   * by the partitions it writes).
   */
  grantTableAccess(grantee: IGrantable, role: FunctionRole): void {
    grantTable(grantee, this.table.tableArn, TABLE_GRANTS[role]);
  }
}

/** Writes the compiled plans where the bundling hooks copy them from. */
function writePlans(plans: readonly Plan[]): string {
  const file = join(mkdtempSync(join(tmpdir(), 'weft-plans-')), 'plans.json');
  writeFileSync(file, JSON.stringify(plans));
  return file;
}
