/**
 * `npm run bench -- engine [--runs N] [--concurrency N] [--workers N] [--scenarios a,b]`: the durable engine
 * on in-process dynalite and fauxqs with no-op handlers. Prints throughput, dispatch latency, DynamoDB and
 * SQS requests per task (counted by an SDK middleware, cross-checked against the requests the emulators
 * received) and the AWS cost they imply, then the same scenarios with `maxContinuations: 0` (every ready
 * dependent through SQS, the hop before eager continuation) for comparison, and the hop figures of
 * bench/engine-hops.ts (round trips per hop, modelled hop latency); writes bench/results/engine.json. With
 * `--backend sqlite|emulators` it runs the embedded backend's workloads instead (bench/engine-backend.ts).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { SQLITE_SYNCHRONOUS, type SqliteSynchronous } from '../src/local/backend.ts';
import type { Plan } from '../src/workflow/plan.ts';
import { type ScenarioFigures, scenarioFigures } from './engine-figures.ts';
import { type HopFigures, measureHops } from './engine-hops.ts';
import { hopLatencyTable, roundTripTable } from './engine-hops-report.ts';
import { breakdownTable, comparisonTable, cpuSplitTable, figuresTable } from './engine-report.ts';
import { runScenario, type ScenarioSpec } from './engine-scenario.ts';
import { type EngineStack, startEngineStack } from './engine-stack.ts';
import { chainPlan, fanInPlan, LOAN_INPUT, loanApprovalPlan, noopHandlers } from './engine-workflows.ts';
import { integerOption, type OptionValue, parseBenchOptions } from './options.ts';

/** The request's production figure, for comparison. */
const PRODUCTION_RUNS_PER_SECOND = 300;
const SCENARIOS = ['loan_approval', 'loan_approval_serial', 'fan_in', 'chain'] as const;
const BACKENDS = ['sqlite', 'emulators'] as const;

const USAGE = `usage: npm run bench -- engine [--backend sqlite|emulators] [--synchronous normal|full] [--runs N]
       [--concurrency N] [--fan-in-runs N] [--chain-runs N] [--workers N] [--scenarios ${SCENARIOS.join(',')}]
       [--emulators process|child] [--profile] [--skip-max0] [--skip-hops] [--hop-delay-ms N]
       [--hop-chain-runs N] [--modelled-runs N] [--batch-size N]
  --backend       run the embedded backend's workloads on sqlite or emulators instead of the scenarios: W1
                  loan_approval with --concurrency runs in flight, W2 the 100-deep chain and W3 the
                  1 -> 200 -> 1 fan-in one run at a time, with the issue's targets; writes
                  bench/results/engine-<backend>.json (without it: the scenarios, bench/results/engine.json)
  --synchronous   sqlite's durability: normal (default) or full (engine-sqlite-full.json)
  --runs          loan_approval runs (default 1000; with --backend sqlite 2000, emulators 200)
  --concurrency   loan_approval runs in flight at a time (default 50; with --backend 32)
                  (loan_approval_serial: one at a time, min(100, --runs) runs, unsaturated)
  --fan-in-runs   runs of the 200-wide fan-in, one at a time (default 5; with --backend sqlite 20, emulators 3)
  --chain-runs    runs of the 100-deep chain, one at a time (default 3; with --backend sqlite 20, emulators 3)
  --workers       messages the worker processes at once, as the event source mapping's concurrency (default 50;
                  with --backend sqlite 32: the in-process queue's concurrency)
  --batch-size    the scenarios' poller takes messages in batches of N, as the deployed event source mapping
                  (default 10: --workers / N batches at once, a batch's successes deleted together); 0: one
                  message per worker slot, each deleted on its own
  --emulators     where dynalite and fauxqs run: process (default, as weft run does) or child (their own
                  process: their CPU is measured apart from the engine's)
  --help          this text
  --profile       sample the CPU while the runs are in flight and split it: emulators, SDK, engine, Node
                  (with --backend: top functions by self time and files by inclusive time, and a
                  bench/results/engine-<backend>-<workload>.cpuprofile per workload)
  --skip-max0     leave out the scenarios again with maxContinuations 0 (a third of the runs each)
  --skip-hops     leave out the hop figures (round trips per hop, modelled hop latency)
  --hop-delay-ms  D, the fixed delay per request for round trips per hop (default 50)
  --hop-chain-runs  chain_100 runs per hop phase (default 1)
  --modelled-runs loan_approval runs, one at a time, per modelled-latency phase (default 30)`;

/** Defaults of the counts, for the scenarios and for each backend's workloads. */
const DEFAULTS = {
  scenarios: { runs: 1000, concurrency: 50, fanInRuns: 5, chainRuns: 3, workers: 50 },
  sqlite: { runs: 2000, concurrency: 32, fanInRuns: 20, chainRuns: 20, workers: 32 },
  emulators: { runs: 200, concurrency: 32, fanInRuns: 3, chainRuns: 3, workers: 50 },
} as const;

interface Options {
  readonly runs: number;
  readonly concurrency: number;
  readonly fanInRuns: number;
  readonly chainRuns: number;
  readonly workers: number;
  /** The scenarios' poller batch size (0: none). */
  readonly batchSize: number;
  readonly scenarios: readonly (typeof SCENARIOS)[number][];
  readonly profile: boolean;
  readonly help: boolean;
  readonly emulators: 'process' | 'child';
  /** Runs the scenarios again with `maxContinuations: 0`. */
  readonly max0: boolean;
  /** Hop figures (bench/engine-hops.ts); undefined: left out. */
  readonly hops?: { readonly delayMs: number; readonly chainRuns: number; readonly loanRuns: number };
  /** The workloads' backend; absent: the scenarios on the emulators. */
  readonly backend?: (typeof BACKENDS)[number];
  /** `--backend sqlite` only. */
  readonly synchronous?: SqliteSynchronous;
}

function positive(name: string, value: OptionValue, fallback: number): number {
  return integerOption(name, value, fallback, 1, USAGE);
}

function oneOf<T extends string>(name: string, value: OptionValue, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly OptionValue[]).includes(value)) {
    throw new Error(
      `--${name} must be ${allowed.map((a) => `'${a}'`).join(' or ')}, not '${String(value)}'\n${USAGE}`,
    );
  }
  return value as T;
}

/** Parses the benchmark's options; a mistake is an Error carrying the usage. */
export function parseOptions(args: readonly string[]): Options {
  const values = parseBenchOptions(
    args,
    {
      backend: { type: 'string' },
      synchronous: { type: 'string' },
      runs: { type: 'string' },
      concurrency: { type: 'string' },
      'fan-in-runs': { type: 'string' },
      'chain-runs': { type: 'string' },
      workers: { type: 'string' },
      'batch-size': { type: 'string' },
      scenarios: { type: 'string' },
      profile: { type: 'boolean' },
      emulators: { type: 'string' },
      'skip-max0': { type: 'boolean' },
      'skip-hops': { type: 'boolean' },
      'hop-delay-ms': { type: 'string' },
      'hop-chain-runs': { type: 'string' },
      'modelled-runs': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    USAGE,
  );
  const scenarios = String(values.scenarios ?? SCENARIOS.join(','))
    .split(',')
    .map((s) => s.trim());
  const unknown = scenarios.filter((s) => !(SCENARIOS as readonly string[]).includes(s));
  if (unknown.length > 0) throw new Error(`unknown scenario '${unknown.join("', '")}'\n${USAGE}`);
  const emulators = oneOf('emulators', values.emulators, ['process', 'child'] as const) ?? 'process';
  const backend = oneOf('backend', values.backend, BACKENDS);
  const synchronous = oneOf('synchronous', values.synchronous, SQLITE_SYNCHRONOUS);
  if (backend !== undefined && values.scenarios !== undefined) {
    throw new Error(
      `--scenarios picks the emulator scenarios; with --backend the workloads W1 to W3 run\n${USAGE}`,
    );
  }
  if (synchronous !== undefined && backend !== 'sqlite') {
    throw new Error(`--synchronous is SQLite's setting: use it with --backend sqlite\n${USAGE}`);
  }
  if (backend === 'sqlite' && values.emulators !== undefined) {
    throw new Error(`--emulators places the emulators: not with --backend sqlite\n${USAGE}`);
  }
  const defaults = DEFAULTS[backend ?? 'scenarios'];
  const hops = {
    delayMs: positive('hop-delay-ms', values['hop-delay-ms'], 50),
    chainRuns: positive('hop-chain-runs', values['hop-chain-runs'], 1),
    loanRuns: positive('modelled-runs', values['modelled-runs'], 30),
  };
  return {
    emulators,
    max0: values['skip-max0'] !== true,
    ...(values['skip-hops'] === true ? {} : { hops }),
    runs: positive('runs', values.runs, defaults.runs),
    concurrency: positive('concurrency', values.concurrency, defaults.concurrency),
    fanInRuns: positive('fan-in-runs', values['fan-in-runs'], defaults.fanInRuns),
    chainRuns: positive('chain-runs', values['chain-runs'], defaults.chainRuns),
    workers: positive('workers', values.workers, defaults.workers),
    batchSize: integerOption('batch-size', values['batch-size'], 10, 0, USAGE),
    scenarios: scenarios as Options['scenarios'],
    profile: values.profile === true,
    help: values.help === true,
    ...(backend === undefined ? {} : { backend }),
    ...(backend === 'sqlite' ? { synchronous: synchronous ?? 'normal' } : {}),
  };
}

function specs(options: Options, plans: Record<(typeof SCENARIOS)[number], Plan>): ScenarioSpec[] {
  const all: Record<(typeof SCENARIOS)[number], ScenarioSpec> = {
    loan_approval: {
      name: 'loan_approval',
      plan: plans.loan_approval,
      runs: options.runs,
      concurrency: options.concurrency,
      input: LOAN_INPUT,
      saturates: options.concurrency > 1,
      requestBudget: 3.5,
    },
    loan_approval_serial: {
      name: 'loan_approval_serial',
      plan: plans.loan_approval,
      runs: Math.min(100, options.runs),
      concurrency: 1,
      input: LOAN_INPUT,
      saturates: false,
      requestBudget: 3.5,
    },
    // 200 tasks ready at once, more than the worker takes: they queue by design
    fan_in: {
      name: 'fan_in_200',
      plan: plans.fan_in,
      runs: options.fanInRuns,
      concurrency: 1,
      input: null,
      saturates: options.workers < 200,
      requestBudget: 4,
    },
    chain: {
      name: 'chain_100',
      plan: plans.chain,
      runs: options.chainRuns,
      concurrency: 1,
      input: null,
      saturates: false,
      requestBudget: 3.5,
    },
  };
  return options.scenarios.map((name) => all[name]);
}

/** Runs each workflow a little first, uncounted: JIT, connection pools and the stored plan warm up. */
async function warmUp(stack: EngineStack, scenarios: readonly ScenarioSpec[]): Promise<void> {
  const seen = new Set<string>();
  for (const spec of scenarios) {
    if (seen.has(spec.plan.name)) continue;
    seen.add(spec.plan.name);
    const runs = Math.min(spec.runs, Math.max(1, Math.ceil(200 / Object.keys(spec.plan.tasks).length)));
    await runScenario(stack, { ...spec, runs, concurrency: Math.min(spec.concurrency, runs) });
  }
}

/** Runs the benchmark, prints the tables and writes bench/results/engine.json. */
export async function run(args: readonly string[] = []): Promise<void> {
  const options = parseOptions(args);
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (options.backend !== undefined) {
    const { runWorkloads } = await import('./engine-backend.ts');
    await runWorkloads({ ...options, backend: options.backend });
    return;
  }
  const loadBefore = loadavg().map((n) => n.toFixed(1));
  const loan = await loanApprovalPlan();
  const plans = {
    loan_approval: loan,
    loan_approval_serial: loan,
    fan_in: fanInPlan(200),
    chain: chainPlan(100),
  };
  const scenarios = specs(options, plans);
  const stack = await startEngineStack({
    plans: [loan, plans.fan_in, plans.chain],
    handlers: noopHandlers([loan, plans.fan_in, plans.chain]),
    workers: options.workers,
    batchSize: options.batchSize,
    emulators: options.emulators,
  });
  const rows: ScenarioFigures[] = [];
  const max0Rows: ScenarioFigures[] = [];
  try {
    await warmUp(stack, scenarios);
    for (const spec of scenarios) {
      process.stderr.write(`engine bench: ${spec.name}, ${spec.runs} runs, ${spec.concurrency} in flight\n`);
      rows.push(scenarioFigures(await runScenario(stack, spec, { profile: options.profile })));
    }
    stack.maxContinuations = 0;
    for (const spec of options.max0 ? scenarios : []) {
      const runs = Math.ceil(spec.runs / 3);
      const max0 = { ...spec, runs, concurrency: Math.min(spec.concurrency, runs) };
      process.stderr.write(`engine bench: ${spec.name}, maxContinuations 0, ${runs} runs\n`);
      max0Rows.push(scenarioFigures(await runScenario(stack, max0)));
    }
  } finally {
    await stack.close();
  }
  const loadScenarios = loadavg().map((n) => n.toFixed(1));
  const hops: HopFigures | undefined = options.hops
    ? await measureHops({ ...options.hops, workers: options.workers })
    : undefined;
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const load = loadavg().map((n) => n.toFixed(1));
  const where =
    options.emulators === 'child'
      ? 'engine + worker in one Node process, dynalite + fauxqs in another'
      : 'dynalite + fauxqs + engine + worker in one Node process';
  process.stdout.write(
    `engine benchmark: ${where} (${process.version}), ${cpus().length} cores (${cpu}), no-op handlers, ${options.workers} messages in process at once; load average ${loadBefore.join(' ')} before, ${loadScenarios.join(' ')} after the scenarios, ${load.join(' ')} at the end\n`,
  );
  process.stdout.write(`${figuresTable(rows)}\n\n${breakdownTable(rows)}\n`);
  const split = cpuSplitTable(rows);
  if (split) process.stdout.write(`\n${split}\n`);
  const loanRow = rows.find((row) => row.scenario === 'loan_approval');
  if (loanRow) {
    process.stdout.write(
      `\nloan_approval: ${loanRow.runsPerSecond.toFixed(1)} workflows/s here (${loanRow.runsPerCpuSecond.toFixed(1)} per CPU-second) vs ${PRODUCTION_RUNS_PER_SECOND}/s asked for in production; see docs/benchmarks.md for what bounds it\n`,
    );
  }
  process.stdout.write(
    'dispatch latency, hook: EngineMetrics.schedulingLatency (dependent made ready, or run submitted, to claimed; 0 for a dependent this worker continued); history: last dependency succeeded to dependent claimed (ms resolution, roots excluded)\n',
  );
  const pairs = max0Rows.flatMap((queued) => {
    const eager = rows.find((row) => row.scenario === queued.scenario);
    return eager ? [{ eager, queued }] : [];
  });
  if (pairs.length > 0) {
    process.stdout.write(
      `\neager continuation (the engine as it is) beside maxContinuations 0 (every ready dependent through SQS; a third of the runs):\n${comparisonTable(pairs)}\n`,
    );
  }
  if (hops) {
    process.stdout.write(
      `\nhops: a stack of their own behind delaying proxies (DynamoDB, SQS sends, the poller's receives); load average ${load.join(' ')}\n${roundTripTable(hops)}\n\n${hopLatencyTable(hops)}\n`,
    );
    process.stdout.write(
      "checkpoint to claimed: last dependency task.succeeded to the dependent task.claimed (history at, written as each request is built); to handler: to the handler starting (recorded by the handlers); modelled: receive-to-handler is the poller's SQS answers held 20 ms\n",
    );
  }
  const dir = join(import.meta.dirname, 'results');
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'engine.json');
  const machine = {
    node: process.version,
    cores: cpus().length,
    cpu,
    loadBefore,
    loadAfterScenarios: loadScenarios,
    loadAfter: load,
  };
  await writeFile(
    file,
    `${JSON.stringify({ date: new Date().toISOString(), machine, options, rows, max0Rows, hops }, null, 2)}\n`,
  );
  process.stdout.write(`wrote ${file}\n`);
}
