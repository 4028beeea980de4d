/**
 * `npm run bench -- engine --backend sqlite|emulators`: the embedded backend's workloads (W1 throughput of
 * loan_approval, W2 latency of a 100-deep chain, W3 latency of a 1 -> 200 -> 1 fan-in) with no-op handlers,
 * on one backend; prints the figures next to the targets and writes
 * bench/results/engine-<backend>.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { SqliteSynchronous } from '../src/local/backend.ts';
import { type TimeShare, topOfProfile } from './cpu-top.ts';
import { formatTable } from './engine-report.ts';
import { chainPlan, fanInPlan, LOAN_INPUT, loanApprovalPlan, noopHandlers } from './engine-workflows.ts';
import { targetChecks, type WorkloadFigures, workloadFigures } from './engine-workload-figures.ts';
import { targetTable, workloadTable } from './engine-workload-report.ts';
import { runWorkload, type WorkloadSpec } from './engine-workloads.ts';
import {
  type OpenedWorkloadBackend,
  openEmulatorWorkloadBackend,
  openSqliteWorkloadBackend,
} from './workload-backends.ts';

export interface WorkloadOptions {
  readonly backend: 'sqlite' | 'emulators';
  readonly synchronous?: SqliteSynchronous;
  /** W1 runs, and how many in flight. */
  readonly runs: number;
  readonly concurrency: number;
  /** W2 and W3 runs, each alone. */
  readonly chainRuns: number;
  readonly fanInRuns: number;
  readonly workers: number;
  readonly emulators: 'process' | 'child';
  readonly profile: boolean;
}

/** Functions and files listed per profiled workload. */
const PROFILE_TOP = 15;

interface ProfileTop {
  readonly workload: string;
  readonly profiledMs: number;
  readonly functions: readonly TimeShare[];
  readonly files: readonly TimeShare[];
}

/** Runs W1, W2 and W3 on the chosen backend, prints the tables and writes the results file. */
export async function runWorkloads(options: WorkloadOptions): Promise<void> {
  const loadBefore = loadavg();
  const loan = await loanApprovalPlan();
  const chain = chainPlan(100);
  const fanIn = fanInPlan(200);
  const plans = [loan, chain, fanIn];
  const specs: WorkloadSpec[] = [
    { id: 'W1', plan: loan, input: LOAN_INPUT, runs: options.runs, inFlight: options.concurrency },
    { id: 'W2', plan: chain, input: null, runs: options.chainRuns, inFlight: 1 },
    { id: 'W3', plan: fanIn, input: null, runs: options.fanInRuns, inFlight: 1 },
  ];
  const common = { plans, handlers: noopHandlers(plans), workers: options.workers };
  const backend: OpenedWorkloadBackend =
    options.backend === 'sqlite'
      ? await openSqliteWorkloadBackend({ ...common, synchronous: options.synchronous ?? 'normal' })
      : await openEmulatorWorkloadBackend({ ...common, emulators: options.emulators });
  const rows: WorkloadFigures[] = [];
  const profiles: ProfileTop[] = [];
  const dir = join(import.meta.dirname, 'results');
  await mkdir(dir, { recursive: true });
  const name = `engine-${options.backend}${options.synchronous === 'full' ? '-full' : ''}`;
  try {
    // uncounted: the JIT, the connection pools and the stored plans warm up
    for (const spec of specs) {
      const runs = Math.min(spec.runs, Math.max(2, Math.ceil(200 / Object.keys(spec.plan.tasks).length)));
      await runWorkload(backend, { ...spec, runs, inFlight: Math.min(spec.inFlight, runs) });
    }
    for (const spec of specs) {
      process.stderr.write(
        `engine bench: ${spec.id} ${spec.plan.name}, ${spec.runs} runs, ${spec.inFlight} in flight\n`,
      );
      const measured = await runWorkload(backend, spec, { profile: options.profile });
      rows.push(workloadFigures(measured));
      const { profile } = measured;
      if (profile) {
        await writeFile(join(dir, `${name}-${spec.id}.cpuprofile`), JSON.stringify(profile));
        profiles.push({ workload: spec.id, ...topOfProfile(profile, PROFILE_TOP) });
      }
    }
  } finally {
    await backend.close();
  }
  const loadAfter = loadavg();
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const fmt = (load: readonly number[]) => load.map((n) => n.toFixed(2)).join(' ');
  process.stdout.write(
    `engine workloads on ${backend.description} (${process.version}), ${cpus().length} cores (${cpu}), no-op handlers; load average ${fmt(loadBefore)} before, ${fmt(loadAfter)} after\n`,
  );
  process.stdout.write(`${workloadTable(rows)}\n`);
  if (rows.some((row) => row.requestsPerTask !== undefined)) {
    process.stdout.write(
      "requests: the engine's, plus the benchmark's own getRun while it waits on a W2 or W3 run (one dynamodb:Query at submit, one a second, one at the end)\n",
    );
  }
  process.stdout.write('\n');
  const checks = targetChecks(rows);
  const note =
    options.backend === 'sqlite' && options.synchronous !== 'full'
      ? 'the issue, sqlite synchronous=normal'
      : 'set for sqlite synchronous=normal, shown for comparison';
  process.stdout.write(`${targetTable(checks, note)}\n`);
  for (const profile of profiles) process.stdout.write(`\n${profileTables(profile, rows)}\n`);
  if (backend.errors.length > 0) {
    process.stdout.write(
      `\nthe worker reported ${backend.errors.length} errors, the last: ${String(backend.errors.at(-1))}\n`,
    );
  }
  const file = join(dir, `${name}.json`);
  const machine = {
    node: process.version,
    cores: cpus().length,
    cpu,
    loadBefore: loadBefore.map((n) => Number(n.toFixed(2))),
    loadAfter: loadAfter.map((n) => Number(n.toFixed(2))),
  };
  const results = {
    date: new Date().toISOString(),
    backend: backend.description,
    machine,
    options,
    rows,
    targets: checks,
    workerErrors: backend.errors.length,
    ...(profiles.length > 0 ? { profiles } : {}),
  };
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`wrote ${file}\n`);
}

/** One workload's profile: top functions by self time, files by inclusive time, per task. */
function profileTables(profile: ProfileTop, rows: readonly WorkloadFigures[]): string {
  const tasks = rows.find((row) => row.workload === profile.workload)?.tasks ?? 1;
  const table = (title: string, times: readonly TimeShare[]) =>
    formatTable([
      [title, 'share', 'ms per task'],
      ...times.map((t) => [t.name, `${(t.share * 100).toFixed(1)}%`, (t.ms / tasks).toFixed(3)]),
    ]);
  return [
    `${profile.workload} profile: ${profile.profiledMs.toFixed(0)} ms of the main thread sampled, not idle (wall time: a synchronous call waiting on the disk counts), ${(profile.profiledMs / tasks).toFixed(3)} ms per task`,
    table('self time, by function', profile.functions),
    table('inclusive time, by file', profile.files),
  ].join('\n');
}
