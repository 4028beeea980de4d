/** The engine benchmark's hop tables: round trips per hop, and the modelled hop latency. */
import type { Percentiles } from './engine-figures.ts';
import { type HopFigures, type HopLatency, MODELLED, MODES, ROUND_TRIP_TARGET } from './engine-hops.ts';
import { formatTable, verdict } from './engine-report.ts';

const fixed = (value: number, digits = 1) => value.toFixed(digits);
const s = (ms: number) => fixed(ms / 1000, 2);
const p50p99 = (p: Percentiles) => `${fixed(p.p50, 0)} / ${fixed(p.p99, 0)}`;

/**
 * Whether the engine as it is (eager continuation) makes at most the target's round trips per hop: by the
 * chain time's growth (`formula`), and by the time spent waiting (`waiting`: busy time left out).
 */
export function roundTripsPass(figures: HopFigures): { formula?: boolean; waiting?: boolean } {
  const eager = figures.roundTrips.find((r) => r.mode === 'eager');
  if (eager === undefined) return {};
  return {
    formula: eager.perHop <= ROUND_TRIP_TARGET + 1e-9,
    waiting: eager.perHopWaiting <= ROUND_TRIP_TARGET + 1e-9,
  };
}

/** Round trips per hop on the chain, the engine as it is beside `maxContinuations: 0`. */
export function roundTripTable(figures: HopFigures): string {
  const rows = MODES.map((mode) => figures.roundTrips.find((r) => r.mode === mode.name));
  const line = (label: string, cell: (r: NonNullable<(typeof rows)[number]>) => string) => [
    label,
    ...rows.map((r) => (r ? cell(r) : '-')),
  ];
  const eager = rows[0];
  const pass = roundTripsPass(figures);
  const perHopMs = (ms: number, r: NonNullable<(typeof rows)[number]>) => fixed(ms / r.hops, 1);
  return formatTable([
    [`chain_100, every request +${figures.delayMs} ms (no jitter)`, ...MODES.map((m) => m.name)],
    line('hops (first to last handler start)', (r) => String(r.hops)),
    line('chain time undelayed / delayed (s)', (r) => `${s(r.chainMs.undelayed)} / ${s(r.chainMs.delayed)}`),
    line(
      '  JS thread busy per hop, undelayed / delayed (ms)',
      (r) => `${perHopMs(r.busyMs.undelayed, r)} / ${perHopMs(r.busyMs.delayed, r)}`,
    ),
    line('run time undelayed / delayed (s)', (r) => `${s(r.runMs.undelayed)} / ${s(r.runMs.delayed)}`),
    line('measured hold per delayed chunk, d (ms)', (r) => fixed(r.heldMs, 1)),
    line('round trips per hop: chain time growth / (d x hops)', (r) => fixed(r.perHop, 2)),
    line(`  the same with D = ${figures.delayMs} ms for d`, (r) => fixed(r.perHopNominal, 2)),
    line('  the same without the busy time growth', (r) => fixed(r.perHopWaiting, 2)),
    line('round trips per task, whole run (submit, finish)', (r) => fixed(r.perTaskWholeRun, 2)),
    line('requests per task (delayed phase)', (r) => fixed(r.requestsPerTask, 2)),
    [
      `target round trips per hop <= ${ROUND_TRIP_TARGET} (eager), chain time`,
      eager ? `${verdict(pass.formula)} (${fixed(eager.perHop, 2)})` : '-',
      '',
    ],
    [
      '  waiting only (busy time left out)',
      eager ? `${verdict(pass.waiting)} (${fixed(eager.perHopWaiting, 2)})` : '-',
      '',
    ],
  ]);
}

/** The hop latency, modelled and with no added latency, p50 / p99. */
export function hopLatencyTable(figures: HopFigures): string {
  const find = (mode: string, workflow: string, latency: HopLatency['latency']) =>
    figures.latencies.find((l) => l.mode === mode && l.workflow === workflow && l.latency === latency);
  const workflows = [...new Set(figures.latencies.map((l) => l.workflow))].sort();
  const rows: string[][] = [
    [
      `hop latency, p50 / p99 (ms); modelled: DynamoDB +${MODELLED.dynamodbMs}, SQS send +${MODELLED.sqsSendMs}, receive-to-handler +${MODELLED.receiveToHandlerMs}`,
      ...MODES.map((m) => m.name),
    ],
  ];
  for (const latency of ['modelled', 'none'] as const) {
    for (const workflow of workflows) {
      const cells = MODES.map((mode) => find(mode.name, workflow, latency));
      if (cells.every((cell) => cell === undefined)) continue;
      const label = `${workflow}, ${latency === 'modelled' ? 'modelled' : 'no added latency'}`;
      const line = (what: string, cell: (l: HopLatency) => string) => [
        `${label}: ${what}`,
        ...cells.map((l) => (l ? cell(l) : '-')),
      ];
      rows.push(line('checkpoint to claimed', (l) => p50p99(l.toClaimed)));
      rows.push(line('checkpoint to handler', (l) => p50p99(l.toHandler)));
      if (cells.some((l) => l?.perHopMs !== undefined)) {
        rows.push(line('mean per hop', (l) => (l.perHopMs === undefined ? '-' : fixed(l.perHopMs, 1))));
      }
      rows.push(line(`run completion (${cells[0]?.runs ?? 0} runs)`, (l) => p50p99(l.completion)));
    }
  }
  return formatTable(rows);
}
