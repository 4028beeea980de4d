/** The engine benchmark's printed report: one column per scenario, then where the requests went. */
import {
  COST_TARGET_PER_MILLION,
  operationsOf,
  P99_TARGET_MS,
  type ScenarioFigures,
} from './engine-figures.ts';

const fixed = (value: number, digits = 1) => value.toFixed(digits);
/** A target's verdict: information, never a failure of the command. */
export const verdict = (ok: boolean | undefined) => (ok === undefined ? 'n/a' : ok ? 'PASS' : 'MISS');

/** Aligns rows of cells: the first column left, the others right. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, column) =>
          column === 0 ? cell.padEnd(widths[0] ?? 0) : cell.padStart(widths[column] ?? 0),
        )
        .join('  '),
    )
    .join('\n');
}

/** The main table: figures per scenario, targets with PASS/MISS. */
export function figuresTable(rows: readonly ScenarioFigures[]): string {
  const line = (label: string, cell: (row: ScenarioFigures) => string) => [label, ...rows.map(cell)];
  return formatTable([
    line('', (r) => r.scenario),
    line('runs (in flight)', (r) => `${r.runs} (${r.concurrency})`),
    line('tasks / edges per run', (r) => `${r.tasksPerRun} / ${r.edgesPerRun}`),
    line('wall time (s)', (r) => fixed(r.elapsedMs / 1000, 2)),
    line('runs/s', (r) => fixed(r.runsPerSecond)),
    line('tasks/s', (r) => fixed(r.tasksPerSecond, 0)),
    line(
      'event loop busy / process CPU',
      (r) => `${fixed(r.eventLoopUtilisation * 100, 0)}% / ${fixed(r.cpuUtilisation * 100, 0)}%`,
    ),
    line('process CPU per task (ms)', (r) => fixed(r.cpuMsPerTask, 2)),
    ...(rows.some((r) => r.emulatorCpuMsPerTask !== undefined)
      ? [line('emulator process CPU per task (ms)', (r) => fixed(r.emulatorCpuMsPerTask ?? 0, 2))]
      : []),
    line('runs per CPU-second (one core)', (r) => fixed(r.runsPerCpuSecond)),
    line(
      'dispatch p50 / p99 (ms), hook',
      (r) => `${fixed(r.dispatchLatencyHookMs.p50)} / ${fixed(r.dispatchLatencyHookMs.p99)}`,
    ),
    line(
      'dispatch p50 / p99 (ms), history',
      (r) => `${fixed(r.dispatchLatencyHistoryMs.p50, 0)} / ${fixed(r.dispatchLatencyHistoryMs.p99, 0)}`,
    ),
    line('DynamoDB reads / task', (r) => fixed(r.dynamodbReadsPerTask, 3)),
    line('DynamoDB writes / task', (r) => fixed(r.dynamodbWritesPerTask, 3)),
    line('SQS requests / task', (r) => fixed(r.sqsRequestsPerTask, 3)),
    line('requests / task, every kind', (r) => fixed(r.requestsPerTask, 3)),
    line(
      'AWS $ per 1M tasks (DDB + SQS)',
      (r) =>
        `${fixed(r.costPerMillionTasks.total, 2)} (${fixed(r.costPerMillionTasks.dynamodb, 2)} + ${fixed(r.costPerMillionTasks.sqs, 2)})`,
    ),
    line(
      'DDB read / write units per task',
      (r) => `${fixed(r.dynamodbReadUnitsPerTask, 3)} / ${fixed(r.dynamodbWriteUnitsPerTask, 3)}`,
    ),
    line(
      '  $ per 1M tasks, DDB by units',
      (r) =>
        `${fixed(r.costByUnitsPerMillionTasks.total, 2)} (${fixed(r.costByUnitsPerMillionTasks.dynamodb, 2)} + ${fixed(r.costPerMillionTasks.sqs, 2)})`,
    ),
    line('Step Functions Standard $ / 1M', (r) => `>= ${fixed(r.stepFunctionsPerMillionTasks, 2)}`),
    line(
      'target writes <= 2 + out-degree',
      (r) =>
        `${verdict(r.targets.writes)} (${fixed(r.dynamodbWritesPerTask, 2)} <= ${fixed(r.writeBudgetPerTask, 2)})`,
    ),
    line(
      '  per task: sink count = its edge, run create apart',
      (r) =>
        `${verdict(r.targets.taskWrites)} (${fixed(r.taskWritesPerTask, 2)} <= ${fixed(r.taskWriteBudgetPerTask, 2)})`,
    ),
    line('target reads <= 1', (r) => `${verdict(r.targets.reads)} (${fixed(r.dynamodbReadsPerTask, 2)})`),
    line('target requests / task <= 3.5 (fan-in 4)', (r) =>
      r.requestBudgetPerTask === undefined
        ? 'n/a'
        : `${verdict(r.targets.requests)} (${fixed(r.requestsPerTask, 2)} <= ${fixed(r.requestBudgetPerTask, 1)})`,
    ),
    line(
      `target $ / 1M tasks <= ${fixed(COST_TARGET_PER_MILLION, 2)}`,
      (r) => `${verdict(r.targets.cost)} (${fixed(r.costPerMillionTasks.total, 2)})`,
    ),
    line(`target p99 < ${P99_TARGET_MS} ms unsaturated`, (r) =>
      r.saturated ? 'n/a (saturating)' : `${verdict(r.targets.p99)} (${fixed(r.dispatchLatencyHookMs.p99)})`,
    ),
    line('requests counted = received', (r) => {
      const c = r.serverCheck;
      const same = c.dynamodbCounted === c.dynamodbReceived && c.sqsCounted === c.sqsReceived;
      const lost = c.dynamodbUnanswered + c.sqsUnanswered;
      const note = lost > 0 ? `; ${lost} sent, no answer, retried` : '';
      return same
        ? `yes (${c.dynamodbCounted} + ${c.sqsCounted}${note})`
        : `NO: ddb ${c.dynamodbCounted}/${c.dynamodbReceived}, sqs ${c.sqsCounted}/${c.sqsReceived}${note}`;
    }),
  ]);
}

/** Where the requests went: per task, by operation (SDK middleware) and by engine transition (CAS kind). */
export function breakdownTable(rows: readonly ScenarioFigures[]): string {
  const perTask = (row: ScenarioFigures, count: number | undefined) => fixed((count ?? 0) / row.tasks, 3);
  const operations = operationsOf(rows.map((row) => row.requests));
  const kinds = [...new Set(rows.flatMap((row) => Object.keys(row.engineWritesByKind)))].sort();
  const conflicts = [...new Set(rows.flatMap((row) => Object.keys(row.casConflictsByKind)))].sort();
  return formatTable([
    ['per task', ...rows.map((row) => row.scenario)],
    ...operations.map((op) => [op, ...rows.map((row) => perTask(row, row.requests[op]))]),
    ...kinds.map((kind) => [
      `  conditional write: ${kind}`,
      ...rows.map((row) => perTask(row, row.engineWritesByKind[kind])),
    ]),
    ...conflicts.map((kind) => [
      `  refused (conflict): ${kind}`,
      ...rows.map((row) => perTask(row, row.casConflictsByKind[kind])),
    ]),
  ]);
}

/**
 * Requests per task, eager continuation beside `maxContinuations: 0` (every ready dependent through SQS),
 * scenario by scenario: totals, cost, then by operation and by the engine's conditional write.
 */
export function comparisonTable(
  pairs: readonly { readonly eager: ScenarioFigures; readonly queued: ScenarioFigures }[],
): string {
  const cells = (cell: (row: ScenarioFigures) => string) =>
    pairs.flatMap(({ eager, queued }) => [cell(eager), cell(queued)]);
  const perTask = (count: number | undefined, row: ScenarioFigures) =>
    count === undefined ? '-' : fixed(count / row.tasks, 3);
  const rows = pairs.flatMap(({ eager, queued }) => [eager, queued]);
  const operations = operationsOf(rows.map((row) => row.requests));
  const kinds = [...new Set(rows.flatMap((row) => Object.keys(row.engineWritesByKind)))].sort();
  return formatTable([
    ['per task', ...pairs.flatMap(({ eager }) => [eager.scenario, ''])],
    ['', ...pairs.flatMap(() => ['eager', 'max 0'])],
    ['runs', ...cells((r) => String(r.runs))],
    ['requests, every kind', ...cells((r) => fixed(r.requestsPerTask, 3))],
    [
      '  DynamoDB reads / writes',
      ...cells((r) => `${fixed(r.dynamodbReadsPerTask, 2)} / ${fixed(r.dynamodbWritesPerTask, 2)}`),
    ],
    ['  SQS', ...cells((r) => fixed(r.sqsRequestsPerTask, 3))],
    ['$ per 1M tasks (DDB + SQS)', ...cells((r) => fixed(r.costPerMillionTasks.total, 2))],
    ['tasks/s (wall clock)', ...cells((r) => fixed(r.tasksPerSecond, 0))],
    [
      'dispatch p50 / p99 (ms), history',
      ...cells(
        (r) => `${fixed(r.dispatchLatencyHistoryMs.p50, 0)} / ${fixed(r.dispatchLatencyHistoryMs.p99, 0)}`,
      ),
    ],
    ...operations.map((op) => [op, ...cells((r) => perTask(r.requests[op] ?? 0, r))]),
    ...kinds.map((kind) => [
      `  conditional write: ${kind}`,
      ...cells((r) => perTask(r.engineWritesByKind[kind], r)),
    ]),
  ]);
}

/** CPU time by part of the process, per scenario (profiled runs only). */
export function cpuSplitTable(rows: readonly ScenarioFigures[]): string | undefined {
  const profiled = rows.filter((row) => row.cpuSplitMs !== undefined);
  if (profiled.length === 0) return undefined;
  const parts = Object.keys(profiled[0]?.cpuSplitMs ?? {}) as (keyof NonNullable<
    ScenarioFigures['cpuSplitMs']
  >)[];
  const total = (row: ScenarioFigures) => Object.values(row.cpuSplitMs ?? {}).reduce((a, b) => a + b, 0);
  return formatTable([
    ['profiled time (share, ms per task)', ...profiled.map((row) => row.scenario)],
    ...parts.map((part) => [
      part,
      ...profiled.map((row) => {
        const ms = row.cpuSplitMs?.[part] ?? 0;
        return `${fixed((100 * ms) / total(row), 1)}% (${fixed(ms / row.tasks, 2)})`;
      }),
    ]),
  ]);
}
