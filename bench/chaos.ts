/**
 * `npm run bench -- chaos [--runs N] [--concurrency N] [--handler-ms N] [--delay-ms N] [--jitter-ms N]`:
 * the request's chaos scenarios. `network_partition`: loan_approval with handlers that take a while, run
 * first normally and then with every request from the engine to DynamoDB and SQS delayed by a loopback
 * proxy (1000 ms +/- 500 ms, as `netem delay 1000ms 500ms`); prints completion time p50/p99 of both and
 * their ratio against the request's "< 2x normal". `node_failure`: see bench/chaos-node-failure.ts.
 * Writes bench/results/chaos.json. Figures, not a test.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { HandlerRegistry } from '../src/runtime/index.ts';
import type { Plan } from '../src/workflow/plan.ts';
import { measureNodeFailure, type NodeFailureFigures } from './chaos-node-failure.ts';
import { type DelayProxy, startDelayProxy } from './delay-proxy.ts';
import type { EmulatorHost } from './emulator-host.ts';
import { type Percentiles, percentiles } from './engine-figures.ts';
import { formatTable } from './engine-report.ts';
import { runScenario, type ScenarioMeasurement, type ScenarioSpec } from './engine-scenario.ts';
import { type EngineStack, startEngineStack } from './engine-stack.ts';
import { loanApprovalPlan } from './engine-workflows.ts';
import { integerOption, type OptionValue, parseBenchOptions } from './options.ts';

const USAGE = `usage: npm run bench -- chaos [--runs N] [--concurrency N] [--handler-ms N] [--delay-ms N] [--jitter-ms N]
       [--skip-node-failure]
  --runs          loan_approval runs per phase, normal and delayed (default 20)
  --concurrency   runs in flight at a time (default 10)
  --handler-ms    how long each task's handler takes (default 200)
  --delay-ms      added latency per chunk the engine sends, mean (default 1000)
  --jitter-ms     added latency, +/- uniform (default 500)
  --skip-node-failure  leave out the kill -9 scenario
  --help          this text`;

/** The request's target: completion time under the delay below twice the normal one. */
const TARGET_RATIO = 2;

interface Options {
  readonly runs: number;
  readonly concurrency: number;
  readonly handlerMs: number;
  readonly delayMs: number;
  readonly jitterMs: number;
  readonly nodeFailure: boolean;
  readonly help: boolean;
}

function whole(name: string, value: OptionValue, fallback: number, min: number): number {
  return integerOption(name, value, fallback, min, USAGE);
}

/** Parses the benchmark's options; a mistake is an Error carrying the usage. */
export function parseOptions(args: readonly string[]): Options {
  const values = parseBenchOptions(
    args,
    {
      runs: { type: 'string' },
      concurrency: { type: 'string' },
      'handler-ms': { type: 'string' },
      'delay-ms': { type: 'string' },
      'jitter-ms': { type: 'string' },
      'skip-node-failure': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    USAGE,
  );
  const delayMs = whole('delay-ms', values['delay-ms'], 1000, 0);
  const jitterMs = whole('jitter-ms', values['jitter-ms'], 500, 0);
  if (jitterMs > delayMs) throw new Error(`--jitter-ms must not exceed --delay-ms\n${USAGE}`);
  return {
    runs: whole('runs', values.runs, 20, 1),
    concurrency: whole('concurrency', values.concurrency, 10, 1),
    handlerMs: whole('handler-ms', values['handler-ms'], 200, 0),
    delayMs,
    jitterMs,
    nodeFailure: values['skip-node-failure'] !== true,
    help: values.help === true,
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
  options: Options,
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

/** One phase's figures. */
interface PhaseFigures {
  readonly phase: 'normal' | 'delayed';
  readonly runs: number;
  readonly tasksPerRun: number;
  readonly wallTimeMs: number;
  /** Run created to run finished, ms, from the engine's `runFinished` hook. */
  readonly completionMs: Percentiles;
  readonly requestsPerTask: number;
  readonly requestsPerRun: number;
  /** Requests per run by `service:Operation` (ReceiveMessage polls included: the worker's, shared by runs). */
  readonly requestsPerRunByOperation: Readonly<Record<string, number>>;
  /** Delays the proxies drew in this phase. */
  readonly delaysDrawn: Percentiles;
  readonly delayMeanMs: number;
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

const LOAN_INPUT = {
  applicant: {
    id: 'A-1001',
    name: 'Ada Lovelace',
    country: 'GB',
    annual_income: 86000,
    requested_amount: 25000,
  },
};

/** The network_partition scenario: both phases on one stack. */
async function networkPartition(options: Options): Promise<PhaseFigures[]> {
  const plan = await loanApprovalPlan();
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
  const spec: ScenarioSpec = {
    name: 'loan_approval',
    plan,
    runs: options.runs,
    concurrency: options.concurrency,
    input: LOAN_INPUT,
    saturates: false,
  };
  try {
    // uncounted: JIT, connection pools and the stored plan warm up
    await phase(stack, proxies, { ...spec, runs: Math.min(5, spec.runs) }, false);
    process.stderr.write(`chaos bench: ${spec.runs} runs, ${spec.concurrency} in flight, normal\n`);
    const normal = await phase(stack, proxies, spec, false);
    process.stderr.write(
      `chaos bench: ${spec.runs} runs, ${spec.concurrency} in flight, ${options.delayMs} +/- ${options.jitterMs} ms per request\n`,
    );
    const delayed = await phase(stack, proxies, spec, true);
    return [normal, delayed];
  } finally {
    await stack.close();
  }
}

const s = (ms: number) => (ms / 1000).toFixed(2);

/** Runs the benchmark, prints its figures and writes bench/results/chaos.json. */
export async function run(args: readonly string[] = []): Promise<void> {
  const options = parseOptions(args);
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const loadBefore = loadavg().map((n) => n.toFixed(1));
  const [normal, delayed] = (await networkPartition(options)) as [PhaseFigures, PhaseFigures];
  const nodeFailure: NodeFailureFigures | undefined = options.nodeFailure
    ? await measureNodeFailure()
    : undefined;
  const ratio = {
    p50: delayed.completionMs.p50 / normal.completionMs.p50,
    p99: delayed.completionMs.p99 / normal.completionMs.p99,
  };
  const pass = ratio.p99 < TARGET_RATIO;
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const load = loadavg().map((n) => n.toFixed(1));
  process.stdout.write(
    `chaos benchmark: loan_approval (3 tasks in a row), ${options.handlerMs} ms per handler, ${options.runs} runs, ${options.concurrency} in flight; dynalite + fauxqs + engine + worker in one Node process (${process.version}), ${cpus().length} cores (${cpu}); load average ${loadBefore.join(' ')} before, ${load.join(' ')} after\n\n`,
  );
  const operations = [
    ...new Set([normal, delayed].flatMap((p) => Object.keys(p.requestsPerRunByOperation))),
  ].sort();
  const row = (label: string, cell: (p: PhaseFigures) => string) => [label, cell(normal), cell(delayed)];
  process.stdout.write(
    `${formatTable([
      ['network_partition', 'normal', `+${options.delayMs} +/- ${options.jitterMs} ms`],
      row('completion p50 / p99 (s)', (p) => `${s(p.completionMs.p50)} / ${s(p.completionMs.p99)}`),
      row('completion max (s)', (p) => s(p.completionMs.max)),
      row('wall time (s)', (p) => s(p.wallTimeMs)),
      row(
        'requests per task / per run',
        (p) => `${p.requestsPerTask.toFixed(1)} / ${p.requestsPerRun.toFixed(1)}`,
      ),
      row('delays drawn p50 / max (ms)', (p) =>
        p.delaysDrawn.count === 0 ? '-' : `${p.delaysDrawn.p50.toFixed(0)} / ${p.delaysDrawn.max.toFixed(0)}`,
      ),
      ['requests per run, by operation', '', ''],
      ...operations.map((op) => row(`  ${op}`, (p) => (p.requestsPerRunByOperation[op] ?? 0).toFixed(1))),
    ])}\n`,
  );
  const addedMs = delayed.completionMs.p50 - normal.completionMs.p50;
  process.stdout.write(
    `added to a run's completion (p50): ${s(addedMs)} s = ${(addedMs / delayed.delayMeanMs).toFixed(1)} mean delays (${delayed.delayMeanMs.toFixed(0)} ms) one after the other, ${(addedMs / delayed.delayMeanMs / delayed.tasksPerRun).toFixed(1)} per task\n`,
  );
  process.stdout.write(
    `ratio delayed / normal: p50 ${ratio.p50.toFixed(1)}x, p99 ${ratio.p99.toFixed(1)}x; target < ${TARGET_RATIO}x normal (p99): ${pass ? 'PASS' : 'FAIL'} (information; see docs/benchmarks.md for what it means)\n`,
  );
  if (nodeFailure) {
    process.stdout.write(
      `node_failure: weft run killed (kill -9) while a task ran; weft resume re-ran it ${s(nodeFailure.recoveryMs)} s after the kill; the run ${nodeFailure.status} ${s(nodeFailure.resumeFinishedMs)} s after the kill; target < 30 s: ${nodeFailure.recoveryMs < 30_000 ? 'PASS' : 'FAIL'}\n`,
    );
  }
  const dir = join(import.meta.dirname, 'results');
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'chaos.json');
  const machine = { node: process.version, cores: cpus().length, cpu, loadBefore, loadAfter: load };
  const networkPartitionResult = { normal, delayed, ratio, targetRatio: TARGET_RATIO, pass };
  await writeFile(
    file,
    `${JSON.stringify({ date: new Date().toISOString(), machine, options, networkPartition: networkPartitionResult, nodeFailure }, null, 2)}\n`,
  );
  process.stdout.write(`wrote ${file}\n`);
}
