/**
 * The embedded backend's figures from a workload's raw counts: throughput, latency percentiles, CPU and
 * store operations per task, and the targets (set for the SQLite backend with its default
 * durability) checked as PASS or MISS.
 */
import { type Percentiles, percentiles } from './engine-figures.ts';
import type { WorkloadMeasurement } from './engine-workloads.ts';

/** The targets for the SQLite backend, `synchronous=normal`. */
export const WORKLOAD_TARGETS = {
  w1RunsPerSecond: 300,
  w2P50Ms: 150,
  w3P50Ms: 150,
  cpuMsPerTask: 1,
} as const;

export interface WorkloadFigures {
  readonly workload: string;
  readonly workflow: string;
  readonly runs: number;
  readonly inFlight: number;
  readonly tasksPerRun: number;
  readonly tasks: number;
  readonly elapsedMs: number;
  readonly runsPerSecond: number;
  readonly tasksPerSecond: number;
  /** Submit until `getRun` showed the run final (runs alone only). */
  readonly submitToFinalMs?: Percentiles;
  /** Run created to run final, as the engine's `runFinished` hook reports it. */
  readonly engineRunMs: Percentiles;
  /** This process's CPU per task (with the emulators in process, theirs too), ms. */
  readonly cpuMsPerTask: number;
  /** The emulators' own process, per task (`--emulators child`), ms. */
  readonly emulatorCpuMsPerTask?: number;
  /** Process CPU over wall time: 1 is one core busy all along. */
  readonly cpuUtilisation: number;
  readonly eventLoopUtilisation: number;
  /** `casAttempt` calls per task: each a store state change (one transaction or conditional request). */
  readonly storeOpsPerTask: number;
  readonly storeOpsByKindPerTask: Readonly<Record<string, number>>;
  readonly conflictsByKindPerTask: Readonly<Record<string, number>>;
  /** Requests per task by `service:Operation` (emulators). */
  readonly requestsPerTask?: Readonly<Record<string, number>>;
  readonly loadBefore: readonly number[];
  readonly loadAfter: readonly number[];
}

/** One checked target: what it is, the figure, and whether it is met. */
export interface TargetCheck {
  readonly target: string;
  readonly figure: number;
  readonly unit: string;
  readonly pass: boolean;
}

const perTask = (counts: Readonly<Record<string, number>>, tasks: number) =>
  Object.fromEntries(
    Object.entries(counts)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, count]) => [key, count / tasks]),
  );

/** The figures of one measured workload. */
export function workloadFigures(m: WorkloadMeasurement): WorkloadFigures {
  const tasksPerRun = Object.keys(m.spec.plan.tasks).length;
  const tasks = m.spec.runs * tasksPerRun;
  const seconds = m.elapsedMs / 1000;
  const { counts } = m;
  return {
    workload: m.spec.id,
    workflow: m.spec.plan.name,
    runs: m.spec.runs,
    inFlight: m.spec.inFlight,
    tasksPerRun,
    tasks,
    elapsedMs: m.elapsedMs,
    runsPerSecond: m.spec.runs / seconds,
    tasksPerSecond: tasks / seconds,
    ...(m.submitToFinalMs.length > 0 ? { submitToFinalMs: percentiles(m.submitToFinalMs) } : {}),
    engineRunMs: percentiles(m.engineRunMs),
    cpuMsPerTask: m.cpuMs / tasks,
    ...(counts.emulatorCpuMs === undefined ? {} : { emulatorCpuMsPerTask: counts.emulatorCpuMs / tasks }),
    cpuUtilisation: m.cpuMs / m.elapsedMs,
    eventLoopUtilisation: m.eventLoopUtilisation,
    storeOpsPerTask: Object.values(counts.casAttempts).reduce((a, b) => a + b, 0) / tasks,
    storeOpsByKindPerTask: perTask(counts.casAttempts, tasks),
    conflictsByKindPerTask: perTask(counts.casConflicts, tasks),
    ...(counts.requests === undefined ? {} : { requestsPerTask: perTask(counts.requests, tasks) }),
    loadBefore: m.loadBefore,
    loadAfter: m.loadAfter,
  };
}

/** The targets that apply to `rows`: W1's throughput, W2's and W3's median latency, CPU per task of each. */
export function targetChecks(rows: readonly WorkloadFigures[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const t = WORKLOAD_TARGETS;
  for (const row of rows) {
    if (row.workload === 'W1') {
      checks.push({
        target: `W1 runs/s >= ${t.w1RunsPerSecond}`,
        figure: row.runsPerSecond,
        unit: 'runs/s',
        pass: row.runsPerSecond >= t.w1RunsPerSecond,
      });
    }
    const p50 = row.submitToFinalMs?.p50;
    const p50Target = row.workload === 'W2' ? t.w2P50Ms : row.workload === 'W3' ? t.w3P50Ms : undefined;
    if (p50 !== undefined && p50Target !== undefined) {
      checks.push({
        target: `${row.workload} p50 <= ${p50Target} ms`,
        figure: p50,
        unit: 'ms',
        pass: p50 <= p50Target,
      });
    }
  }
  for (const row of rows) {
    // both processes' CPU when the emulators run apart: the work the backend costs
    const cpu = row.cpuMsPerTask + (row.emulatorCpuMsPerTask ?? 0);
    checks.push({
      target: `${row.workload} CPU per task <= ${t.cpuMsPerTask} ms`,
      figure: cpu,
      unit: 'ms',
      pass: cpu <= t.cpuMsPerTask,
    });
  }
  return checks;
}
