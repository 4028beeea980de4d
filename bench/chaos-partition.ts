/**
 * The request's `network_partition` chaos scenario, measured: loan_approval with handlers that sleep,
 * run normally and then with every request from the engine to DynamoDB and SQS delayed by a loopback
 * proxy per emulator (bench/delay-proxy.ts, as `netem delay 1000ms 500ms` on the worker), in a few
 * repetitions on one stack. Completion time is the engine's own `runFinished` figure (run created to end).
 */
import type { HandlerRegistry } from '../src/runtime/index.ts';
import type { Plan } from '../src/workflow/plan.ts';
import { type DelayProxy, startDelayProxy } from './delay-proxy.ts';
import type { EmulatorHost } from './emulator-host.ts';
import { type Percentiles, percentiles } from './engine-figures.ts';
import { runScenario, type ScenarioMeasurement, type ScenarioSpec } from './engine-scenario.ts';
import { type EngineStack, startEngineStack } from './engine-stack.ts';
import { LOAN_INPUT, loanApprovalPlans } from './engine-workflows.ts';

export interface PartitionOptions {
  /** Runs per phase, normal and delayed. */
  readonly runs: number;
  readonly concurrency: number;
  /** How long each handler sleeps. */
  readonly handlerMs: number;
  readonly delayMs: number;
  readonly jitterMs: number;
  /** Normal then delayed, this many times. */
  readonly repeats: number;
  /** Passed to every `handleMessage`; undefined: the engine's default. */
  readonly maxContinuations?: number;
  /** `sync`: loan_approval with `mode: sync`, each run submitted with `Runtime.run`. */
  readonly mode?: 'sync' | 'async';
}

/** One phase's figures. */
export interface PhaseFigures {
  readonly phase: 'normal' | 'delayed';
  readonly runs: number;
  readonly tasksPerRun: number;
  readonly wallTimeMs: number;
  /** Run created to run finished, ms, from the engine's `runFinished` hook. */
  readonly completionMs: Percentiles;
  /** The same, every run. */
  readonly durationsMs: readonly number[];
  readonly requestsPerTask: number;
  readonly requestsPerRun: number;
  /** Requests per run by `service:Operation` (ReceiveMessage polls included: the worker's, shared by runs). */
  readonly requestsPerRunByOperation: Readonly<Record<string, number>>;
  /** Delays the proxies drew in this phase. */
  readonly delaysDrawn: Percentiles;
  readonly delayMeanMs: number;
}

/** One handler duration's repetitions, and their runs pooled. */
export interface PartitionFigures {
  readonly handlerMs: number;
  readonly repeats: readonly { readonly normal: PhaseFigures; readonly delayed: PhaseFigures }[];
  readonly pooled: {
    readonly normal: Percentiles;
    readonly delayed: Percentiles;
    readonly ratio: { readonly p50: number; readonly p99: number };
    /** Mean delay drawn over the delayed phases, ms. */
    readonly delayMeanMs: number;
    /** Delayed requests per run, every phase pooled. */
    readonly requestsPerRunByOperation: Readonly<Record<string, number>>;
  };
}

/** Every handler of `plan` sleeps `ms` and returns null: stands in for a call to a real service. */
function sleepingHandlers(plan: Plan, ms: number): HandlerRegistry {
  const sleep = async () => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return null;
  };
  const names = Object.values(plan.tasks).flatMap((task) => [
    task.handler,
    ...(task.compensation ? [task.compensation.handler] : []),
  ]);
  return Object.fromEntries(names.map((name) => [name, sleep]));
}

/** The emulators behind one delaying proxy each; closing the host closes the proxies, then the emulators. */
async function behindProxies(
  emulators: EmulatorHost,
  options: PartitionOptions,
): Promise<{ host: EmulatorHost; proxies: DelayProxy[] }> {
  const delay = { meanMs: options.delayMs, jitterMs: options.jitterMs };
  const dynamodb = await startDelayProxy(emulators.dynamodbEndpoint, delay);
  const sqs = await startDelayProxy(emulators.sqsEndpoint, delay);
  const host: EmulatorHost = {
    dynamodbEndpoint: dynamodb.endpoint,
    sqsEndpoint: sqs.endpoint,
    startCounting: () => emulators.startCounting(),
    stopCounting: () => emulators.stopCounting(),
    async close() {
      await Promise.all([dynamodb.close(), sqs.close()]);
      await emulators.close();
    },
  };
  return { host, proxies: [dynamodb, sqs] };
}

function phaseFigures(
  phase: PhaseFigures['phase'],
  m: ScenarioMeasurement,
  durations: readonly number[],
  delays: readonly number[],
): PhaseFigures {
  const requests = Object.values(m.requests).reduce((a, b) => a + b, 0);
  const tasks = m.spec.runs * Object.keys(m.spec.plan.tasks).length;
  return {
    phase,
    runs: m.spec.runs,
    tasksPerRun: tasks / m.spec.runs,
    wallTimeMs: m.elapsedMs,
    completionMs: percentiles(durations),
    durationsMs: durations,
    requestsPerTask: requests / tasks,
    requestsPerRun: requests / m.spec.runs,
    requestsPerRunByOperation: Object.fromEntries(
      Object.entries(m.requests).map(([operation, count]) => [operation, count / m.spec.runs]),
    ),
    delaysDrawn: percentiles(delays),
    delayMeanMs: delays.length === 0 ? 0 : delays.reduce((a, b) => a + b, 0) / delays.length,
  };
}

/** Runs one phase with the proxies' delay on or off; reads back (undelayed) that every run succeeded. */
async function phase(
  stack: EngineStack,
  proxies: readonly DelayProxy[],
  spec: ScenarioSpec,
  delayed: boolean,
): Promise<PhaseFigures> {
  for (const proxy of proxies) {
    proxy.delayed.length = 0;
    proxy.enabled = delayed;
  }
  const m = await runScenario(stack, spec, {
    onRunsDone: () => {
      for (const proxy of proxies) proxy.enabled = false;
    },
  });
  if (m.pollerErrors > 0) throw new Error(`${spec.name}: the worker failed ${m.pollerErrors} messages`);
  const durations = [...stack.observed.runDurations];
  const delays = proxies.flatMap((proxy) => proxy.delayed);
  return phaseFigures(delayed ? 'delayed' : 'normal', m, durations, delays);
}

/** The network_partition scenario for one handler duration: its repetitions on one stack. */
export async function measurePartition(options: PartitionOptions): Promise<PartitionFigures> {
  const plans = await loanApprovalPlans();
  const plan = options.mode === 'sync' ? plans.sync : plans.async;
  let proxies: DelayProxy[] = [];
  const stack = await startEngineStack({
    plans: [plan],
    handlers: sleepingHandlers(plan, options.handlerMs),
    workers: 50,
    emulators: 'process',
    route: async (emulators) => {
      const routed = await behindProxies(emulators, options);
      proxies = routed.proxies;
      return routed.host;
    },
  });
  stack.maxContinuations = options.maxContinuations;
  const spec: ScenarioSpec = {
    name: 'loan_approval',
    plan,
    runs: options.runs,
    concurrency: options.concurrency,
    input: LOAN_INPUT,
    saturates: false,
    ...(options.mode === 'sync' ? { sync: true } : {}),
  };
  const repeats: { normal: PhaseFigures; delayed: PhaseFigures }[] = [];
  try {
    // uncounted: JIT, connection pools and the stored plan warm up
    await phase(stack, proxies, { ...spec, runs: Math.min(5, spec.runs) }, false);
    for (let i = 1; i <= options.repeats; i += 1) {
      const what = `${options.handlerMs} ms handlers, ${spec.runs} runs, ${spec.concurrency} in flight (${i}/${options.repeats})`;
      process.stderr.write(`chaos bench: ${what}, normal\n`);
      const normal = await phase(stack, proxies, spec, false);
      process.stderr.write(
        `chaos bench: ${what}, ${options.delayMs} +/- ${options.jitterMs} ms per request\n`,
      );
      const delayed = await phase(stack, proxies, spec, true);
      repeats.push({ normal, delayed });
    }
  } finally {
    await stack.close();
  }
  const normal = percentiles(repeats.flatMap((r) => r.normal.durationsMs));
  const delayed = percentiles(repeats.flatMap((r) => r.delayed.durationsMs));
  const operations = [...new Set(repeats.flatMap((r) => Object.keys(r.delayed.requestsPerRunByOperation)))];
  const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
  return {
    handlerMs: options.handlerMs,
    repeats,
    pooled: {
      normal,
      delayed,
      ratio: { p50: delayed.p50 / normal.p50, p99: delayed.p99 / normal.p99 },
      delayMeanMs: mean(repeats.map((r) => r.delayed.delayMeanMs)),
      requestsPerRunByOperation: Object.fromEntries(
        operations
          .sort()
          .map((op) => [op, mean(repeats.map((r) => r.delayed.requestsPerRunByOperation[op] ?? 0))]),
      ),
    },
  };
}
