/** The workloads' printed report: one column per workload, then the targets with PASS or MISS. */
import type { Percentiles } from './engine-figures.ts';
import { formatTable } from './engine-report.ts';
import type { TargetCheck, WorkloadFigures } from './engine-workload-figures.ts';

const fixed = (value: number, digits = 1) => value.toFixed(digits);
const p50p99 = (p: Percentiles | undefined) => (p === undefined ? '-' : `${fixed(p.p50)} / ${fixed(p.p99)}`);

/** Figures per workload, store operations and requests per task by kind. */
export function workloadTable(rows: readonly WorkloadFigures[]): string {
  const line = (label: string, cell: (row: WorkloadFigures) => string) => [label, ...rows.map(cell)];
  const keys = (pick: (row: WorkloadFigures) => Readonly<Record<string, number>> | undefined) =>
    [...new Set(rows.flatMap((row) => Object.keys(pick(row) ?? {})))].sort();
  const perTask = (
    label: string,
    pick: (row: WorkloadFigures) => Readonly<Record<string, number>> | undefined,
  ) => keys(pick).map((key) => line(`${label}${key}`, (row) => fixed(pick(row)?.[key] ?? 0, 3)));
  const requests = keys((row) => row.requestsPerTask);
  return formatTable([
    line('', (r) => `${r.workload} ${r.workflow}`),
    line('runs (in flight)', (r) => `${r.runs} (${r.inFlight})`),
    line('tasks per run / tasks run', (r) => `${r.tasksPerRun} / ${r.tasks}`),
    line('wall time (s)', (r) => fixed(r.elapsedMs / 1000, 2)),
    line('runs/s', (r) => fixed(r.runsPerSecond)),
    line('tasks/s', (r) => fixed(r.tasksPerSecond, 0)),
    line('submit -> final p50 / p99 (ms), alone', (r) => p50p99(r.submitToFinalMs)),
    line('run created -> final p50 / p99 (ms), engine', (r) => p50p99(r.engineRunMs)),
    line('process CPU per task (ms)', (r) => fixed(r.cpuMsPerTask, 3)),
    ...(rows.some((r) => r.emulatorCpuMsPerTask !== undefined)
      ? [line('emulator process CPU per task (ms)', (r) => fixed(r.emulatorCpuMsPerTask ?? 0, 3))]
      : []),
    line(
      'event loop busy / process CPU',
      (r) => `${fixed(r.eventLoopUtilisation * 100, 0)}% / ${fixed(r.cpuUtilisation * 100, 0)}%`,
    ),
    line(
      'load average (1 min) before -> after',
      (r) => `${fixed(r.loadBefore[0] ?? 0, 2)} -> ${fixed(r.loadAfter[0] ?? 0, 2)}`,
    ),
    line('store operations per task (casAttempt)', (r) => fixed(r.storeOpsPerTask, 3)),
    ...perTask('  ', (row) => row.storeOpsByKindPerTask),
    ...perTask('  refused (conflict): ', (row) => row.conflictsByKindPerTask),
    ...(requests.length > 0 ? perTask('requests per task, ', (row) => row.requestsPerTask) : []),
  ]);
}

/** The targets: the figure, the target and PASS or MISS (information: nothing fails on a miss). */
export function targetTable(checks: readonly TargetCheck[], note: string): string {
  return formatTable([
    [`target (${note})`, 'figure', 'PASS/MISS'],
    ...checks.map((check) => [
      check.target,
      `${fixed(check.figure, check.unit === 'ms' ? 2 : 1)} ${check.unit}`,
      check.pass ? 'PASS' : 'MISS',
    ]),
  ]);
}
