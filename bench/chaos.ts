/**
 * `npm run bench -- chaos [--runs N] [--concurrency N] [--handler-ms N,N] [--repeats N] [--delay-ms N]
 * [--jitter-ms N] [--max-continuations N]`: the request's chaos scenarios. `network_partition`:
 * loan_approval with handlers that take a while (1 s, then 200 ms), run first normally and then with every
 * request from the engine to DynamoDB and SQS delayed by a loopback proxy (1000 ms +/- 500 ms, as
 * `netem delay 1000ms 500ms`), a few times each (bench/chaos-partition.ts); prints completion time p50/p99
 * of both and their ratio against the request's "< 2x normal" (the target for 1 s handlers; the others are
 * reported as they are). `node_failure`: see bench/chaos-node-failure.ts. Writes bench/results/chaos.json.
 * Figures, not a test.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { measureNodeFailure, type NodeFailureFigures } from './chaos-node-failure.ts';
import { measurePartition, type PartitionFigures } from './chaos-partition.ts';
import { costOf, operationsOf } from './engine-figures.ts';
import { formatTable, verdict } from './engine-report.ts';
import { integerOption, type OptionValue, parseBenchOptions } from './options.ts';

const USAGE = `usage: npm run bench -- chaos [--runs N] [--concurrency N] [--handler-ms N,N] [--repeats N]
       [--delay-ms N] [--jitter-ms N] [--max-continuations N] [--mode async|sync] [--skip-node-failure]
  --runs          loan_approval runs per phase, normal and delayed (default 10)
  --concurrency   runs in flight at a time (default 10)
  --handler-ms    how long each task's handler takes, one network_partition per value (default 1000,200)
  --repeats       normal then delayed phase, this many times per handler duration (default 3)
  --delay-ms      added latency per chunk the engine sends, mean (default 1000)
  --jitter-ms     added latency, +/- uniform (default 500)
  --max-continuations  dependents a checkpoint continues in the worker (default: the engine's, 4; 0: every
                  ready dependent through SQS, the hop before eager continuation)
  --mode          async (default: loan_approval as written) or sync (with mode: sync: the submitting
                  process runs each run's tasks, no queue hop)
  --skip-node-failure  leave out the kill -9 scenario
  --help          this text`;

/** The request's target: completion time under the delay below twice the normal one. */
const TARGET_RATIO = 2;
/** The handler duration the target applies to; the others are reported as they are. */
const TARGET_HANDLER_MS = 1000;

interface Options {
  readonly runs: number;
  readonly concurrency: number;
  readonly handlerMs: readonly number[];
  readonly repeats: number;
  readonly delayMs: number;
  readonly jitterMs: number;
  readonly maxContinuations?: number;
  readonly mode: 'async' | 'sync';
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
      repeats: { type: 'string' },
      'delay-ms': { type: 'string' },
      'jitter-ms': { type: 'string' },
      'max-continuations': { type: 'string' },
      mode: { type: 'string' },
      'skip-node-failure': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    USAGE,
  );
  const delayMs = whole('delay-ms', values['delay-ms'], 1000, 0);
  const jitterMs = whole('jitter-ms', values['jitter-ms'], 500, 0);
  if (jitterMs > delayMs) throw new Error(`--jitter-ms must not exceed --delay-ms\n${USAGE}`);
  const handlerMs = String(values['handler-ms'] ?? `${TARGET_HANDLER_MS},200`)
    .split(',')
    .filter((ms) => ms.trim() !== '')
    .map((ms) => whole('handler-ms', ms.trim(), 0, 0));
  const continuations = values['max-continuations'];
  const mode = values.mode ?? 'async';
  if (mode !== 'async' && mode !== 'sync')
    throw new Error(`--mode async|sync, got '${String(mode)}'\n${USAGE}`);
  return {
    mode,
    runs: whole('runs', values.runs, 10, 1),
    concurrency: whole('concurrency', values.concurrency, 10, 1),
    handlerMs,
    repeats: whole('repeats', values.repeats, 3, 1),
    delayMs,
    jitterMs,
    ...(continuations === undefined
      ? {}
      : { maxContinuations: whole('max-continuations', continuations, 0, 0) }),
    nodeFailure: values['skip-node-failure'] !== true,
    help: values.help === true,
  };
}

const s = (ms: number) => (ms / 1000).toFixed(2);
const pair = (p50: number, p99: number) => `${s(p50)} / ${s(p99)}`;
const times = (ratio: number) => `${ratio.toFixed(1)}x`;

/** One line per repetition and one for the runs pooled, for each handler duration. */
function partitionTable(results: readonly PartitionFigures[], options: Options): string {
  const rows: string[][] = [
    [
      'network_partition, loan_approval',
      'normal p50 / p99 (s)',
      `+${options.delayMs} +/- ${options.jitterMs} ms p50 / p99 (s)`,
      'ratio p50 / p99',
    ],
  ];
  for (const result of results) {
    result.repeats.forEach(({ normal, delayed }, i) => {
      rows.push([
        `${result.handlerMs} ms handlers, repetition ${i + 1}`,
        pair(normal.completionMs.p50, normal.completionMs.p99),
        pair(delayed.completionMs.p50, delayed.completionMs.p99),
        `${times(delayed.completionMs.p50 / normal.completionMs.p50)} / ${times(delayed.completionMs.p99 / normal.completionMs.p99)}`,
      ]);
    });
    const { pooled } = result;
    rows.push([
      `${result.handlerMs} ms handlers, ${pooled.normal.count} runs pooled`,
      pair(pooled.normal.p50, pooled.normal.p99),
      pair(pooled.delayed.p50, pooled.delayed.p99),
      `${times(pooled.ratio.p50)} / ${times(pooled.ratio.p99)}`,
    ]);
  }
  return formatTable(rows);
}

/** Requests per task by operation and what they cost, normal and delayed, per handler duration (phases pooled). */
function requestsTable(results: readonly PartitionFigures[]): string {
  const phasesOf = (r: PartitionFigures) => [r.repeats.map((p) => p.normal), r.repeats.map((p) => p.delayed)];
  const columns = results.flatMap(phasesOf);
  const perTask = columns.map((phases) => {
    const byOperation: Record<string, number> = {};
    for (const phase of phases) {
      for (const [op, perRun] of Object.entries(phase.requestsPerRunByOperation)) {
        byOperation[op] = (byOperation[op] ?? 0) + perRun / phase.tasksPerRun / phases.length;
      }
    }
    return byOperation;
  });
  const total = (byOperation: Readonly<Record<string, number>>) =>
    Object.values(byOperation).reduce((a, b) => a + b, 0);
  return formatTable([
    ['requests per task', ...results.flatMap((r) => [`${r.handlerMs} ms normal`, 'delayed'])],
    ...operationsOf(perTask).map((op) => [`  ${op}`, ...perTask.map((t) => (t[op] ?? 0).toFixed(3))]),
    ['every kind', ...perTask.map((t) => total(t).toFixed(3))],
    [
      '$ per 1M tasks (DDB + SQS)',
      ...perTask.map((t) => {
        const cost = costOf(t);
        return `${cost.total.toFixed(2)} (${cost.dynamodb.toFixed(2)} + ${cost.sqs.toFixed(2)})`;
      }),
    ],
  ]);
}

/** Runs the benchmark, prints its figures and writes bench/results/chaos.json. */
export async function run(args: readonly string[] = []): Promise<void> {
  const options = parseOptions(args);
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const loadBefore = loadavg().map((n) => n.toFixed(1));
  const results: PartitionFigures[] = [];
  for (const handlerMs of options.handlerMs) {
    results.push(await measurePartition({ ...options, handlerMs }));
  }
  const loadPartition = loadavg().map((n) => n.toFixed(1));
  const nodeFailure: NodeFailureFigures | undefined = options.nodeFailure
    ? await measureNodeFailure()
    : undefined;
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const load = loadavg().map((n) => n.toFixed(1));
  const engine = [
    options.maxContinuations === undefined
      ? 'the engine as it is (eager continuation)'
      : `maxContinuations ${options.maxContinuations}`,
    ...(options.mode === 'sync' ? ['mode: sync (the submitting process runs the tasks)'] : []),
  ].join(', ');
  process.stdout.write(
    `chaos benchmark: loan_approval (3 tasks, credit_check -> fraud_detection -> final_decision), ${options.runs} runs per phase, ${options.concurrency} in flight, ${engine}; dynalite + fauxqs + engine + worker in one Node process (${process.version}), ${cpus().length} cores (${cpu}); load average ${loadBefore.join(' ')} before, ${loadPartition.join(' ')} after network_partition, ${load.join(' ')} at the end\n\n`,
  );
  process.stdout.write(`${partitionTable(results, options)}\n\n${requestsTable(results)}\n\n`);
  for (const result of results) {
    const { pooled } = result;
    const addedMs = pooled.delayed.p50 - pooled.normal.p50;
    const delays = addedMs / pooled.delayMeanMs;
    const tasks = result.repeats[0]?.delayed.tasksPerRun ?? 1;
    process.stdout.write(
      `${result.handlerMs} ms handlers: added to a run's completion (p50) ${s(addedMs)} s = ${delays.toFixed(1)} mean delays (${pooled.delayMeanMs.toFixed(0)} ms) one after the other, ${(delays / tasks).toFixed(1)} per task\n`,
    );
  }
  for (const result of results) {
    const ratio = result.pooled.ratio;
    const target =
      result.handlerMs === TARGET_HANDLER_MS
        ? `target < ${TARGET_RATIO}x normal (p99): ${verdict(ratio.p99 < TARGET_RATIO)}, p50: ${verdict(ratio.p50 < TARGET_RATIO)}`
        : 'reported as is (the target is for 1 s handlers)';
    process.stdout.write(
      `${result.handlerMs} ms handlers: ratio delayed / normal p50 ${times(ratio.p50)}, p99 ${times(ratio.p99)}; ${target}\n`,
    );
  }
  if (nodeFailure) {
    process.stdout.write(
      `node_failure: weft run killed (kill -9) while a task ran; weft resume re-ran it ${s(nodeFailure.recoveryMs)} s after the kill; the run ${nodeFailure.status} ${s(nodeFailure.resumeFinishedMs)} s after the kill; target < 30 s: ${verdict(nodeFailure.recoveryMs < 30_000)}\n`,
    );
  }
  const dir = join(import.meta.dirname, 'results');
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'chaos.json');
  const machine = {
    node: process.version,
    cores: cpus().length,
    cpu,
    loadBefore,
    loadAfterPartition: loadPartition,
    loadAfter: load,
  };
  const networkPartition = results.map((result) => ({
    ...result,
    targetRatio: TARGET_RATIO,
    ...(result.handlerMs === TARGET_HANDLER_MS ? { pass: result.pooled.ratio.p99 < TARGET_RATIO } : {}),
  }));
  await writeFile(
    file,
    `${JSON.stringify({ date: new Date().toISOString(), machine, options, networkPartition, nodeFailure }, null, 2)}\n`,
  );
  process.stdout.write(`wrote ${file}\n`);
}
