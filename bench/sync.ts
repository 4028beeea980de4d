/**
 * `npm run bench -- sync [--backend sqlite|emulators] [--runs N]`: the submit-to-answer latency of
 * loan_approval, one run after another, as the caller of `POST /workflows/{name}/runs?wait=` sees it:
 * - async (the workflow as written): the submission goes through the queue, and the answer comes when the
 *   run is final: learnt from the write that ends it (`weft dev`), or by polling the store (the API function);
 * - sync (the same tasks with `mode: sync`): the accepting process runs the tasks itself, no queue hop.
 * Trivial handlers, so the figures are weft's own. Prints p50, p99 and mean, the conditional writes and the
 * queue deliveries per run, and the load they ran under; writes bench/results/sync-<backend>.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { Plan } from '../src/workflow/plan.ts';
import { loanApprovalPlans } from './engine-workflows.ts';
import { integerOption, parseBenchOptions } from './options.ts';
import { startEmulatorsWide, startSqliteWide, type WideStack } from './wide-backends.ts';

const USAGE = `usage: npm run bench -- sync [--backend sqlite|emulators] [--runs N]
  --backend  sqlite (default: the embedded store) or emulators (dynalite + fauxqs)
  --runs     runs of each mode, one after another (default 300)`;

const HANDLERS = {
  credit_check: () => ({ score: 720 }),
  revert_credit_query: () => null,
  fraud_detection: () => ({ fraud: false }),
  final_decision: () => ({ approved: true }),
};

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil(sorted.length * p) - 1)] ?? 0;
}

const sum = (values: Iterable<number>) => [...values].reduce((a, b) => a + b, 0);

/** How the caller learns of the answer. */
type Waiter = 'write' | 'poll' | 'sync';

/**
 * One submission, answered: a sync one by `run` itself; an async one when its last write ends the run (the
 * engine's own time, as `weft dev`, woken by that write, answers it) or by `run`'s polling of the store (as
 * the deployed API function answers `?wait=`).
 */
async function answered(stack: WideStack, plan: Plan, n: number, waiter: Waiter): Promise<void> {
  const request = { workflow: plan.name, input: { n } };
  if (waiter === 'write') {
    const finished = new Promise<void>((resolve) => {
      stack.tally.finished = resolve;
    });
    await stack.runtime.submit(request);
    await finished;
    return;
  }
  const answer = await stack.runtime.run(request, { waitMs: 20_000 });
  if (answer.kind !== 'settled' || answer.view.status !== 'succeeded') {
    throw new Error(`run ${answer.runId} answered ${answer.kind} (${answer.view?.status ?? 'no view'})`);
  }
}

/** Runs `runs` submissions one after another, each answered before the next: latencies, writes, deliveries. */
async function measure(backend: string, plan: Plan, runs: number, waiter: Waiter) {
  const options = { plan, handlers: HANDLERS, workers: 16, recovery: {} };
  const stack: WideStack =
    backend === 'sqlite' ? await startSqliteWide(options) : await startEmulatorsWide(options);
  try {
    const latencies: number[] = [];
    // a few runs first: connections, the plan's first save, the JIT
    for (let i = 0; i < runs + 10; i += 1) {
      const started = performance.now();
      await answered(stack, plan, i, waiter);
      if (i >= 10) latencies.push(performance.now() - started);
    }
    latencies.sort((a, b) => a - b);
    const round = (ms: number) => Number(ms.toFixed(2));
    return {
      p50Ms: round(percentile(latencies, 0.5)),
      p99Ms: round(percentile(latencies, 0.99)),
      meanMs: round(sum(latencies) / latencies.length),
      writesPerRun: round(sum(stack.tally.writes.values()) / (runs + 10)),
      queueDeliveriesPerRun: round(sum(stack.tally.received.values()) / (runs + 10)),
    };
  } finally {
    await stack.close();
  }
}

export async function run(args: readonly string[]): Promise<void> {
  const values = parseBenchOptions(args, { backend: { type: 'string' }, runs: { type: 'string' } }, USAGE);
  const backend = values.backend ?? 'sqlite';
  if (backend !== 'sqlite' && backend !== 'emulators')
    throw new Error(`--backend sqlite|emulators\n${USAGE}`);
  const runs = integerOption('runs', values.runs, 300, 1, USAGE);
  const { async: asyncPlan, sync: syncPlan } = await loanApprovalPlans();
  const loadBefore = loadavg().map((n) => n.toFixed(2));
  const queued = await measure(backend, asyncPlan, runs, 'write');
  const polled = await measure(backend, asyncPlan, runs, 'poll');
  const sync = await measure(backend, syncPlan, runs, 'sync');
  const figures = {
    backend,
    workflow: 'loan_approval (3 tasks, trivial handlers)',
    runs,
    async: queued,
    asyncPolled: polled,
    sync,
    load: { before: loadBefore, after: loadavg().map((n) => n.toFixed(2)) },
    cpus: cpus().length,
    node: process.version,
  };
  const line = (name: string, f: typeof sync) =>
    `  ${name}: submit to answer p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms, mean ${f.meanMs} ms; ${f.writesPerRun} conditional writes and ${f.queueDeliveriesPerRun} queue deliveries per run`;
  process.stdout.write(
    [
      `sync, ${backend}: loan_approval, ${runs} runs of each mode one after another, each answered before the next`,
      line('async, woken by the write that ends the run (weft dev)', queued),
      line("async, the store polled (the deployed API's ?wait=)", polled),
      line('mode: sync (the accepting process runs it)', sync),
      `  load average ${loadBefore.join(' ')} before, ${figures.load.after.join(' ')} after (${figures.cpus} cores), ${process.version}`,
      '',
    ].join('\n'),
  );
  await mkdir(join(import.meta.dirname, 'results'), { recursive: true });
  await writeFile(
    join(import.meta.dirname, 'results', `sync-${backend}.json`),
    `${JSON.stringify(figures, null, 2)}\n`,
  );
}
