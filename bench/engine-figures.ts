/**
 * Turns an engine scenario's raw counts into the figures the issue asks for: throughput, dispatch latency
 * percentiles, requests per task, the AWS cost they imply at list prices, and the targets checked.
 */
import type { Part } from './cpu-split.ts';
import type { ScenarioMeasurement } from './engine-scenario.ts';
import { edgeCount } from './engine-workflows.ts';
import { DYNAMODB_READS, DYNAMODB_WRITES } from './request-counter.ts';

/** US East list prices, dollars per million requests (on-demand DynamoDB: per request unit). */
export const PRICES = {
  dynamodbWrite: 0.625,
  dynamodbRead: 0.125,
  sqsRequest: 0.4,
  /** Step Functions Standard, per million state transitions; each task is at least one. */
  stepFunctionsTransition: 25,
} as const;

/** Dispatch latency target (p99, ms) when the machine is not saturated. */
export const P99_TARGET_MS = 100;
/** The cost target: DynamoDB and SQS requests of a task, at list prices, per million tasks. */
export const COST_TARGET_PER_MILLION = 1.5;
/**
 * Conditional writes made once per run, not per task: the run item's creation, and its finish when that is
 * a write of its own (several sinks). A sink's count on the run item is the sink's edge to the run.
 */
const RUN_LEVEL_WRITES = ['createRun', 'finishRun'];

/**
 * Operations every request table shows, 0 when none was sent: what a task hop can cost (the run read
 * and the history query included, to show there are none).
 */
export const SHOWN_OPERATIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:Query',
  'sqs:SendMessageBatch',
  'sqs:ReceiveMessage',
  'sqs:DeleteMessage',
] as const;

/** The operations of `requests` (by `service:Operation`) and the always-shown ones, sorted. */
export function operationsOf(requests: readonly Readonly<Record<string, number>>[]): string[] {
  return [...new Set([...SHOWN_OPERATIONS, ...requests.flatMap((r) => Object.keys(r))])].sort();
}

/** Dollars per million tasks at list prices, from requests per task by `service:Operation`. */
export function costOf(requestsPerTask: Readonly<Record<string, number>>): {
  readonly dynamodb: number;
  readonly sqs: number;
  readonly total: number;
} {
  let dynamodb = 0;
  let sqs = 0;
  for (const [key, count] of Object.entries(requestsPerTask)) {
    const [service, operation = ''] = key.split(':');
    if (service === 'sqs') sqs += count * PRICES.sqsRequest;
    else if (DYNAMODB_WRITES.has(operation)) dynamodb += count * PRICES.dynamodbWrite;
    else if (DYNAMODB_READS.has(operation)) dynamodb += count * PRICES.dynamodbRead;
  }
  return { dynamodb, sqs, total: dynamodb + sqs };
}

export interface Percentiles {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** Nearest-rank percentiles; zeros for an empty sample. */
export function percentiles(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? 0;
  return { count: sorted.length, p50: rank(0.5), p99: rank(0.99), max: sorted.at(-1) ?? 0 };
}

export interface ScenarioFigures {
  readonly scenario: string;
  readonly workflow: string;
  readonly runs: number;
  readonly concurrency: number;
  readonly tasksPerRun: number;
  readonly edgesPerRun: number;
  readonly tasks: number;
  readonly elapsedMs: number;
  readonly runsPerSecond: number;
  readonly tasksPerSecond: number;
  /** Process CPU time over wall time: 1 means one core busy all along. */
  readonly cpuUtilisation: number;
  /** Runs per second of CPU (both processes when the emulators have their own): throughput per core. */
  readonly runsPerCpuSecond: number;
  /** CPU per task of the emulators' own process, ms (`--emulators child` only). */
  readonly emulatorCpuMsPerTask?: number;
  /** This process's CPU per task (all threads: the engine, the SDK clients, and the emulators unless they run in a child), ms. */
  readonly cpuMsPerTask: number;
  /** Event-loop utilisation: the share of wall time the one JS thread was not waiting for I/O. */
  readonly eventLoopUtilisation: number;
  /** More work offered than the worker takes at once (by the scenario's design). */
  readonly saturated: boolean;
  readonly dispatchLatencyHookMs: Percentiles;
  readonly dispatchLatencyHistoryMs: Percentiles;
  readonly dynamodbReadsPerTask: number;
  readonly dynamodbWritesPerTask: number;
  /** Writes per task leaving out the run-level ones (run created; run finished, as a write of its own). */
  readonly taskWritesPerTask: number;
  /** The same budget counting a sink's count on the run item as its outgoing edge. */
  readonly taskWriteBudgetPerTask: number;
  readonly sqsRequestsPerTask: number;
  /** Every DynamoDB and SQS request per task, of every kind (receives and deletes included). */
  readonly requestsPerTask: number;
  /** The target on {@link requestsPerTask}, when the scenario has one. */
  readonly requestBudgetPerTask?: number;
  /** The write budget: 2 + out-degree per task, averaged over the workflow's tasks. */
  readonly writeBudgetPerTask: number;
  readonly costPerMillionTasks: { readonly dynamodb: number; readonly sqs: number; readonly total: number };
  /** Capacity units DynamoDB reported per task; a write that reported none counts as 1 unit (the minimum). */
  readonly dynamodbReadUnitsPerTask: number;
  readonly dynamodbWriteUnitsPerTask: number;
  /** The same cost with DynamoDB billed by the capacity units the items' sizes consume. */
  readonly costByUnitsPerMillionTasks: { readonly dynamodb: number; readonly total: number };
  readonly stepFunctionsPerMillionTasks: number;
  readonly targets: {
    /** Every write counted. */
    readonly writes: boolean;
    /** Task-level writes only (claim, checkpoint, edges, a sink's count), against 2 + out-degree with a sink's edge to the run. */
    readonly taskWrites: boolean;
    readonly reads: boolean;
    /** Undefined when saturated: the target only applies to an unsaturated machine. */
    readonly p99: boolean | undefined;
    /** Requests per task within the scenario's budget; undefined when it has none. */
    readonly requests: boolean | undefined;
    /** At most {@link COST_TARGET_PER_MILLION} per million tasks, DynamoDB billed by requests. */
    readonly cost: boolean;
  };
  readonly requests: Readonly<Record<string, number>>;
  readonly engineWritesByKind: Readonly<Record<string, number>>;
  readonly casConflictsByKind: Readonly<Record<string, number>>;
  readonly serverCheck: {
    readonly dynamodbCounted: number;
    readonly dynamodbReceived: number;
    readonly dynamodbUnanswered: number;
    readonly sqsCounted: number;
    readonly sqsReceived: number;
    readonly sqsUnanswered: number;
  };
  readonly runsByStatus: Readonly<Record<string, number>>;
  readonly pollerErrors: number;
  /** CPU ms by part of the process (with `--profile`). */
  readonly cpuSplitMs?: Readonly<Record<Part, number>>;
}

/** The figures of one measured scenario. */
export function scenarioFigures(m: ScenarioMeasurement): ScenarioFigures {
  const { spec } = m;
  const tasksPerRun = Object.keys(spec.plan.tasks).length;
  const edgesPerRun = edgeCount(spec.plan);
  const tasks = spec.runs * tasksPerRun;
  const seconds = m.elapsedMs / 1000;
  const reads = m.dynamodbReads / tasks;
  const writes = m.dynamodbWrites / tasks;
  const sqs = m.sqsRequests / tasks;
  const writeBudget = 2 + edgesPerRun / tasksPerRun;
  const taskWriteBudget = 2 + (edgesPerRun + spec.plan.sinks.length) / tasksPerRun;
  const dynamodbCost = writes * PRICES.dynamodbWrite + reads * PRICES.dynamodbRead;
  const sqsCost = sqs * PRICES.sqsRequest;
  const readUnits = m.dynamodbReadUnits / tasks;
  const writeUnits = (m.dynamodbWriteUnits + m.dynamodbWritesWithoutUnits) / tasks;
  const dynamodbUnitsCost = writeUnits * PRICES.dynamodbWrite + readUnits * PRICES.dynamodbRead;
  const cpuUtilisation = m.cpuMs / m.elapsedMs;
  const saturated = spec.saturates;
  const runLevel = RUN_LEVEL_WRITES.reduce((sum, kind) => sum + (m.casAttempts[kind] ?? 0), 0);
  const taskWrites = (m.dynamodbWrites - runLevel) / tasks;
  const hook = percentiles(m.hookLatencies);
  const requests = Object.values(m.requests).reduce((sum, count) => sum + count, 0) / tasks;
  const budget = spec.requestBudget;
  const dynamodbCounted = Object.entries(m.requests)
    .filter(([key]) => key.startsWith('dynamodb:'))
    .reduce((sum, [, count]) => sum + count, 0);
  return {
    scenario: spec.name,
    workflow: spec.plan.name,
    runs: spec.runs,
    concurrency: spec.concurrency,
    tasksPerRun,
    edgesPerRun,
    tasks,
    elapsedMs: m.elapsedMs,
    runsPerSecond: spec.runs / seconds,
    tasksPerSecond: tasks / seconds,
    cpuUtilisation,
    cpuMsPerTask: m.cpuMs / tasks,
    runsPerCpuSecond: spec.runs / ((m.cpuMs + (m.emulatorCpuMs ?? 0)) / 1000),
    ...(m.emulatorCpuMs !== undefined ? { emulatorCpuMsPerTask: m.emulatorCpuMs / tasks } : {}),
    eventLoopUtilisation: m.eventLoopUtilisation,
    saturated,
    dispatchLatencyHookMs: hook,
    dispatchLatencyHistoryMs: percentiles(m.historyLatencies),
    dynamodbReadsPerTask: reads,
    dynamodbWritesPerTask: writes,
    taskWritesPerTask: taskWrites,
    sqsRequestsPerTask: sqs,
    requestsPerTask: requests,
    ...(budget !== undefined ? { requestBudgetPerTask: budget } : {}),
    writeBudgetPerTask: writeBudget,
    taskWriteBudgetPerTask: taskWriteBudget,
    costPerMillionTasks: { dynamodb: dynamodbCost, sqs: sqsCost, total: dynamodbCost + sqsCost },
    dynamodbReadUnitsPerTask: readUnits,
    dynamodbWriteUnitsPerTask: writeUnits,
    costByUnitsPerMillionTasks: { dynamodb: dynamodbUnitsCost, total: dynamodbUnitsCost + sqsCost },
    stepFunctionsPerMillionTasks: PRICES.stepFunctionsTransition,
    targets: {
      writes: writes <= writeBudget + 1e-9,
      taskWrites: taskWrites <= taskWriteBudget + 1e-9,
      reads: reads <= 1 + 1e-9,
      p99: saturated ? undefined : hook.p99 < P99_TARGET_MS,
      requests: budget === undefined ? undefined : requests <= budget + 1e-9,
      cost: dynamodbCost + sqsCost <= COST_TARGET_PER_MILLION + 1e-9,
    },
    requests: m.requests,
    engineWritesByKind: m.casAttempts,
    casConflictsByKind: m.casConflicts,
    serverCheck: {
      dynamodbCounted,
      dynamodbReceived: m.serverDynamodb,
      dynamodbUnanswered: m.unansweredDynamodb,
      sqsCounted: m.sqsRequests,
      sqsReceived: m.serverSqs,
      sqsUnanswered: m.unansweredSqs,
    },
    runsByStatus: m.runsByStatus,
    pollerErrors: m.pollerErrors,
    ...(m.cpuSplitMs ? { cpuSplitMs: m.cpuSplitMs } : {}),
  };
}
