/**
 * The engine benchmark's hop figures, measured on a stack of their own whose SDK clients go through three
 * delaying proxies (bench/delay-proxy.ts): DynamoDB, the engine's SQS sends, and the poller's receives and
 * deletes (Lambda's event source mapping), each for the engine as it is (eager continuation) and with
 * `maxContinuations: 0` (every ready dependent through SQS, the hop before it).
 *
 * - Round trips per hop: chain_100 with no added latency, then with every request delayed by a fixed D
 *   (no jitter). Chain time is the first task's handler starting to the last one's (99 hops, timed by the
 *   handlers); round trips per hop = (chain time delayed - undelayed) / (d x 99), d being the proxies'
 *   measured hold per delayed chunk (D plus timer lateness; the figure with D itself is printed too). The
 *   one JavaScript thread is also busier per hop when its work is split by waits (measured with
 *   `performance.eventLoopUtilization` over the same span), which is this machine's CPU, not a round trip:
 *   the figure without that busy time is printed beside it.
 * - Modelled hop latency: DynamoDB requests delayed 5 ms, SQS sends 10 ms, and the poller's SQS answers
 *   20 ms (a message that becomes visible reaches the handler 20 ms later: the receive-to-handler leg);
 *   from the histories, the last dependency's `task.succeeded` to the dependent's `task.claimed` (p50),
 *   and to its handler starting (recorded by the handlers), on loan_approval one run at a time and the
 *   chain; the same with no added latency shows what this machine's CPU adds.
 */
import type { EventLoopUtilization } from 'node:perf_hooks';
import type { HandlerRegistry, TaskEvent } from '../src/runtime/index.ts';
import type { Plan } from '../src/workflow/plan.ts';
import { type Delay, type DelayProxy, NO_DELAY, startDelayProxy } from './delay-proxy.ts';
import { type Percentiles, percentiles } from './engine-figures.ts';
import { runScenario, type ScenarioMeasurement, type ScenarioSpec } from './engine-scenario.ts';
import { startEngineStack } from './engine-stack.ts';
import { chainPlan, LOAN_INPUT, loanApprovalPlan } from './engine-workflows.ts';
import { historyLatencies, sinceLastDependency, succeededSpan } from './history-latency.ts';

/** Typical in-region latencies per request, for the modelled hop. */
export const MODELLED = { dynamodbMs: 5, sqsSendMs: 10, receiveToHandlerMs: 20 } as const;
/** The target: sequential round trips per hop on the chain, with eager continuation. */
export const ROUND_TRIP_TARGET = 2;

/** The two engines compared: as it is, and with every ready dependent sent through SQS. */
export const MODES = [
  { name: 'eager', maxContinuations: undefined },
  { name: 'max 0', maxContinuations: 0 },
] as const;
export type Mode = (typeof MODES)[number]['name'];

export interface HopOptions {
  /** D: the fixed delay per request of the round-trip measurement, ms. */
  readonly delayMs: number;
  /** chain_100 runs per phase. */
  readonly chainRuns: number;
  /** loan_approval runs, one at a time, per modelled phase. */
  readonly loanRuns: number;
  readonly workers: number;
}

export interface RoundTrips {
  readonly mode: Mode;
  readonly hops: number;
  /** Mean chain time (first task's handler starting to the last one's), ms. */
  readonly chainMs: { readonly undelayed: number; readonly delayed: number };
  /** Of which the JavaScript thread was busy (not waiting for I/O), ms. */
  readonly busyMs: { readonly undelayed: number; readonly delayed: number };
  /** Mean run time (created to finished, the engine's hook), ms. */
  readonly runMs: { readonly undelayed: number; readonly delayed: number };
  /** The proxies' mean measured hold per delayed chunk, ms. */
  readonly heldMs: number;
  /** (delayed - undelayed chain time) / (held x hops). */
  readonly perHop: number;
  /** The same with D instead of the measured hold. */
  readonly perHopNominal: number;
  /** The chain time's growth less the busy time's, over (held x hops): the time spent waiting. */
  readonly perHopWaiting: number;
  /** (delayed - undelayed run time) / (held x tasks): submit and finish included. */
  readonly perTaskWholeRun: number;
  /** Requests per task in the delayed phase. */
  readonly requestsPerTask: number;
}

export interface HopLatency {
  readonly mode: Mode;
  readonly workflow: string;
  readonly latency: 'modelled' | 'none';
  readonly runs: number;
  /** Last dependency's `task.succeeded` to the dependent's `task.claimed`, ms. */
  readonly toClaimed: Percentiles;
  /** Last dependency's `task.succeeded` to the dependent's handler starting, ms. */
  readonly toHandler: Percentiles;
  /** Chain only: mean time per hop, first to last `task.succeeded` over the hops, ms. */
  readonly perHopMs?: number;
  /** Run created to finished, ms. */
  readonly completion: Percentiles;
}

export interface HopFigures {
  readonly delayMs: number;
  readonly roundTrips: readonly RoundTrips[];
  readonly latencies: readonly HopLatency[];
}

interface Proxies {
  readonly dynamodb: DelayProxy;
  readonly send: DelayProxy;
  readonly receive: DelayProxy;
}

const all = (p: Proxies) => [p.dynamodb, p.send, p.receive];
const fixed = (meanMs: number): Delay => ({ meanMs, jitterMs: 0 });
const mean = (values: readonly number[]) =>
  values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;

/** Sets every proxy's delays, enables them, and clears what they recorded. */
function delay(proxies: Proxies, setting: 'none' | 'modelled' | number): void {
  const modelled = setting === 'modelled';
  const uniform = typeof setting === 'number' ? fixed(setting) : NO_DELAY;
  proxies.dynamodb.requestDelay = modelled ? fixed(MODELLED.dynamodbMs) : uniform;
  proxies.send.requestDelay = modelled ? fixed(MODELLED.sqsSendMs) : uniform;
  proxies.receive.requestDelay = modelled ? NO_DELAY : uniform;
  proxies.receive.responseDelay = modelled ? fixed(MODELLED.receiveToHandlerMs) : NO_DELAY;
  for (const proxy of all(proxies)) {
    proxy.enabled = setting !== 'none';
    proxy.delayed.length = 0;
    proxy.held.length = 0;
  }
}

/** When a handler started: epoch ms (as history times), a monotonic ms, and the event loop's counters. */
interface Start {
  readonly at: number;
  readonly perf: number;
  readonly elu: EventLoopUtilization;
}

/** No-op handlers that record when each task's handler first starts, by `runId/taskId`. */
function recordingHandlers(plans: readonly Plan[], starts: Map<string, Start>): HandlerRegistry {
  const handler = (event: TaskEvent) => {
    const key = `${event.runId}/${event.taskId}`;
    if (!starts.has(key)) {
      starts.set(key, { at: Date.now(), perf: performance.now(), elu: performance.eventLoopUtilization() });
    }
    return null;
  };
  const names = new Set(plans.flatMap((plan) => Object.values(plan.tasks).map((task) => task.handler)));
  return Object.fromEntries([...names].map((name) => [name, handler]));
}

/** Runs the round-trip and modelled-latency phases for both engines and returns their figures. */
export async function measureHops(options: HopOptions): Promise<HopFigures> {
  const loan = await loanApprovalPlan();
  const chain = chainPlan(100);
  const starts = new Map<string, Start>();
  let proxies: Proxies | undefined;
  const stack = await startEngineStack({
    plans: [loan, chain],
    handlers: recordingHandlers([loan, chain], starts),
    workers: options.workers,
    emulators: 'process',
    route: async (emulators) => {
      const start = (target: string) => startDelayProxy(target, NO_DELAY);
      proxies = {
        dynamodb: await start(emulators.dynamodbEndpoint),
        send: await start(emulators.sqsEndpoint),
        receive: await start(emulators.sqsEndpoint),
      };
      const opened = proxies;
      return {
        dynamodbEndpoint: opened.dynamodb.endpoint,
        sqsEndpoint: opened.send.endpoint,
        receiveEndpoint: opened.receive.endpoint,
        startCounting: () => emulators.startCounting(),
        stopCounting: () => emulators.stopCounting(),
        async close() {
          await Promise.all(all(opened).map((proxy) => proxy.close()));
          await emulators.close();
        },
      };
    },
  });
  const routed = proxies as Proxies;
  const chainSpec: ScenarioSpec = {
    name: 'chain_100',
    plan: chain,
    runs: options.chainRuns,
    concurrency: 1,
    input: null,
    saturates: false,
  };
  const loanSpec: ScenarioSpec = {
    name: 'loan_approval_serial',
    plan: loan,
    runs: options.loanRuns,
    concurrency: 1,
    input: LOAN_INPUT,
    saturates: false,
  };
  const phase = async (spec: ScenarioSpec, setting: 'none' | 'modelled' | number) => {
    delay(routed, setting);
    const m = await runScenario(stack, spec, {
      keepHistories: true,
      onRunsDone: () => {
        for (const proxy of all(routed)) proxy.enabled = false;
      },
    });
    if (m.pollerErrors > 0) throw new Error(`${spec.name}: the worker failed ${m.pollerErrors} messages`);
    const held = all(routed).flatMap((proxy) => proxy.held);
    return { m, durations: [...stack.observed.runDurations], heldMs: mean(held) };
  };
  const roundTrips: RoundTrips[] = [];
  const latencies: HopLatency[] = [];
  try {
    for (const mode of MODES) {
      stack.maxContinuations = mode.maxContinuations;
      // uncounted: JIT, connection pools and the stored plans warm up
      await phase({ ...chainSpec, runs: 1 }, 'none');
      await phase({ ...loanSpec, runs: 10 }, 'none');
      process.stderr.write(
        `engine bench: hops (${mode.name}), chain_100 undelayed and +${options.delayMs} ms\n`,
      );
      const undelayed = await phase(chainSpec, 'none');
      const delayed = await phase(chainSpec, options.delayMs);
      roundTrips.push(roundTripFigures(mode.name, chainSpec, undelayed, delayed, options.delayMs, starts));
      latencies.push(latencyFigures(mode.name, 'none', undelayed.m, undelayed.durations, starts));
      process.stderr.write(`engine bench: hops (${mode.name}), modelled latency\n`);
      const loanNone = await phase(loanSpec, 'none');
      latencies.push(latencyFigures(mode.name, 'none', loanNone.m, loanNone.durations, starts));
      for (const spec of [loanSpec, chainSpec]) {
        const modelled = await phase(spec, 'modelled');
        latencies.push(latencyFigures(mode.name, 'modelled', modelled.m, modelled.durations, starts));
      }
    }
  } finally {
    stack.maxContinuations = undefined;
    await stack.close();
  }
  return { delayMs: options.delayMs, roundTrips, latencies };
}

interface Phase {
  readonly m: ScenarioMeasurement;
  readonly durations: readonly number[];
  readonly heldMs: number;
}

/** Mean, over a chain phase's runs, of the first handler start to the last: wall time and busy time. */
function chainTimes(phase: Phase, starts: ReadonlyMap<string, Start>): { wall: number; busy: number } {
  const { roots, sinks } = phase.m.spec.plan;
  const spans = (phase.m.histories ?? []).flatMap(({ runId }) => {
    const first = starts.get(`${runId}/${roots[0]}`);
    const last = starts.get(`${runId}/${sinks[0]}`);
    if (!first || !last) return [];
    const elu = performance.eventLoopUtilization(last.elu, first.elu);
    return [{ wall: last.perf - first.perf, busy: elu.active }];
  });
  return { wall: mean(spans.map((t) => t.wall)), busy: mean(spans.map((t) => t.busy)) };
}

function roundTripFigures(
  mode: Mode,
  spec: ScenarioSpec,
  undelayed: Phase,
  delayed: Phase,
  delayMs: number,
  starts: ReadonlyMap<string, Start>,
): RoundTrips {
  const tasks = Object.keys(spec.plan.tasks).length;
  const hops = tasks - 1;
  const before = chainTimes(undelayed, starts);
  const after = chainTimes(delayed, starts);
  const chain = { undelayed: before.wall, delayed: after.wall };
  const busy = { undelayed: before.busy, delayed: after.busy };
  const waiting = chain.delayed - busy.delayed - (chain.undelayed - busy.undelayed);
  const run = { undelayed: mean(undelayed.durations), delayed: mean(delayed.durations) };
  const requests = Object.values(delayed.m.requests).reduce((a, b) => a + b, 0);
  return {
    mode,
    hops,
    chainMs: chain,
    busyMs: busy,
    runMs: run,
    heldMs: delayed.heldMs,
    perHop: (chain.delayed - chain.undelayed) / (delayed.heldMs * hops),
    perHopNominal: (chain.delayed - chain.undelayed) / (delayMs * hops),
    perHopWaiting: waiting / (delayed.heldMs * hops),
    perTaskWholeRun: (run.delayed - run.undelayed) / (delayed.heldMs * tasks),
    requestsPerTask: requests / (tasks * spec.runs),
  };
}

function latencyFigures(
  mode: Mode,
  latency: HopLatency['latency'],
  m: ScenarioMeasurement,
  durations: readonly number[],
  starts: ReadonlyMap<string, Start>,
): HopLatency {
  const runs = m.histories ?? [];
  const toHandler = runs.flatMap((run) =>
    sinceLastDependency(m.spec.plan, run.events, (taskId) => starts.get(`${run.runId}/${taskId}`)?.at),
  );
  const isChain = m.spec.plan.name.startsWith('chain_');
  const hops = Object.keys(m.spec.plan.tasks).length - 1;
  return {
    mode,
    workflow: m.spec.plan.name,
    latency,
    runs: m.spec.runs,
    toClaimed: percentiles(runs.flatMap((run) => historyLatencies(m.spec.plan, run.events))),
    toHandler: percentiles(toHandler),
    ...(isChain ? { perHopMs: mean(runs.map((run) => succeededSpan(run.events))) / hops } : {}),
    completion: percentiles(durations),
  };
}
