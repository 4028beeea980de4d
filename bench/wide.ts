/**
 * `npm run bench -- wide [--width N] [--recovery-ms N] [--backend emulators|sqlite] [--workers N]
 * [--grace-ms N] [--phases off,before,after]`: one run of `root -> N tasks -> join` (no-op handlers) while
 * the recovery pass runs every `recovery-ms`, three times on fresh stacks: with the pass off, with the rule
 * before the grace (`graceMs: 0`: every pass re-sends every claimable task) and with the grace (the
 * backend's default). Prints wall time (and until the queue is empty again), messages received per task, duplicate deliveries per task, refused
 * claims, the peak queue and the load average; writes bench/results/wide-<backend>.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RECOVERY, LOCAL_RECOVERY_GRACE_MS } from '../src/runtime/index.ts';
import type { Plan } from '../src/workflow/plan.ts';
import { fanInPlan, noopHandlers } from './engine-workflows.ts';
import { integerOption, parseBenchOptions } from './options.ts';
import {
  startEmulatorsWide,
  startSqliteWide,
  type WideStack,
  type WideStackOptions,
} from './wide-backends.ts';

const PHASES = ['off', 'before', 'after'] as const;
type Phase = (typeof PHASES)[number];

const USAGE = `usage: npm run bench -- wide [--width N] [--recovery-ms N] [--backend emulators|sqlite] [--workers N]
       [--grace-ms N] [--phases ${PHASES.join(',')}]
  --width        tasks between the root and the join (default 1000)
  --recovery-ms  the recovery pass's period (default 5000)
  --backend      emulators (default: dynalite + fauxqs, SQS's semantics) or sqlite (the in-process queue)
  --workers      messages handled at once (default 50; sqlite 32)
  --grace-ms     the grace of the 'after' phase (default ${DEFAULT_RECOVERY.graceMs} on emulators, ${LOCAL_RECOVERY_GRACE_MS} on sqlite)
  --phases       which of off (no pass), before (graceMs 0) and after (the grace) to run (default all)`;

interface WideOptions {
  readonly width: number;
  readonly recoveryMs: number;
  readonly backend: 'emulators' | 'sqlite';
  readonly workers: number;
  readonly graceMs: number;
  readonly phases: readonly Phase[];
}

/** One phase's figures. */
export interface WideFigures {
  readonly phase: Phase;
  readonly graceMs?: number;
  readonly tasks: number;
  /** From the submit until the run is final. */
  readonly wallMs: number;
  /** Until the queue is empty again (the duplicates received after the run's end included). */
  readonly drainedMs: number;
  /** Task messages the worker received, until the queue was empty. */
  readonly received: number;
  /** Messages received for a task beyond its first. */
  readonly duplicates: number;
  readonly refusedClaims: number;
  readonly peakQueue: number;
  readonly loadBefore: number;
  readonly loadAfter: number;
}

function parse(args: readonly string[]): WideOptions {
  const values = parseBenchOptions(
    args,
    {
      width: { type: 'string' },
      'recovery-ms': { type: 'string' },
      backend: { type: 'string' },
      workers: { type: 'string' },
      'grace-ms': { type: 'string' },
      phases: { type: 'string' },
    },
    USAGE,
  );
  const backend = values.backend ?? 'emulators';
  if (backend !== 'emulators' && backend !== 'sqlite')
    throw new Error(`--backend emulators|sqlite\n${USAGE}`);
  const phases = String(values.phases ?? PHASES.join(',')).split(',');
  const unknown = phases.filter((phase) => !(PHASES as readonly string[]).includes(phase));
  if (unknown.length > 0) throw new Error(`unknown phase ${unknown.join(', ')}\n${USAGE}`);
  const grace = backend === 'sqlite' ? LOCAL_RECOVERY_GRACE_MS : DEFAULT_RECOVERY.graceMs;
  return {
    width: integerOption('width', values.width, 1000, 1, USAGE),
    recoveryMs: integerOption('recovery-ms', values['recovery-ms'], 5000, 1, USAGE),
    backend,
    workers: integerOption('workers', values.workers, backend === 'sqlite' ? 32 : 50, 1, USAGE),
    graceMs: integerOption('grace-ms', values['grace-ms'], grace, 0, USAGE),
    phases: phases as Phase[],
  };
}

async function measure(options: WideOptions, plan: Plan, phase: Phase): Promise<WideFigures> {
  const graceMs = phase === 'before' ? 0 : options.graceMs;
  const stackOptions: WideStackOptions = {
    plan,
    handlers: noopHandlers([plan]),
    workers: options.workers,
    ...(phase === 'off' ? {} : { recoveryMs: options.recoveryMs }),
    recovery: { graceMs },
  };
  const stack: WideStack =
    options.backend === 'sqlite'
      ? await startSqliteWide(stackOptions)
      : await startEmulatorsWide(stackOptions);
  try {
    const loadBefore = loadavg()[0] ?? 0;
    const done = new Promise<void>((resolve) => {
      stack.tally.finished = resolve;
    });
    let peakQueue = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peakQueue = Math.max(peakQueue, await stack.queueDepth());
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    })();
    const started = performance.now();
    await stack.runtime.submit({ workflow: plan.name, input: null });
    await done;
    const wallMs = performance.now() - started;
    // duplicates sent while the run went on are received after it: count them once the queue is empty
    await stack.stopRecovery();
    for (let i = 0; i < 600 && (await stack.queueDepth()) > 0; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const drainedMs = performance.now() - started;
    sampling = false;
    await sampler;
    const counts = [...stack.tally.received.values()];
    const received = counts.reduce((a, b) => a + b, 0);
    return {
      phase,
      ...(phase === 'off' ? {} : { graceMs }),
      tasks: options.width + 2,
      wallMs,
      drainedMs,
      received,
      duplicates: received - counts.length,
      refusedClaims: stack.tally.conflicts.get('claim') ?? 0,
      peakQueue: Math.max(peakQueue, stack.observedPeak()),
      loadBefore,
      loadAfter: loadavg()[0] ?? 0,
    };
  } finally {
    await stack.close();
  }
}

function table(options: WideOptions, figures: readonly WideFigures[]): string {
  const header = `wide: 1 -> ${options.width} -> 1 on ${options.backend}, recovery pass every ${options.recoveryMs} ms, ${options.workers} workers, ${cpus().length} cores`;
  const rows = figures.map((f) => {
    const rule = f.phase === 'off' ? 'pass off' : `grace ${f.graceMs} ms`;
    return [
      `${f.phase.padEnd(7)} ${rule.padEnd(18)}`,
      `${(f.wallMs / 1000).toFixed(1).padStart(6)} s (queue empty ${(f.drainedMs / 1000).toFixed(1)} s)`,
      `${(f.received / f.tasks).toFixed(2).padStart(6)} received/task`,
      `${(f.duplicates / f.tasks).toFixed(2).padStart(6)} duplicates/task`,
      `${String(f.refusedClaims).padStart(6)} refused claims`,
      `peak queue ${String(f.peakQueue).padStart(6)}`,
      `load ${f.loadBefore.toFixed(2)} -> ${f.loadAfter.toFixed(2)}`,
    ].join('  ');
  });
  return [header, ...rows].join('\n');
}

/** Runs the phases one after the other on fresh stacks, prints the table and writes the figures. */
export async function run(args: readonly string[]): Promise<void> {
  const options = parse(args);
  const plan = fanInPlan(options.width);
  const figures: WideFigures[] = [];
  for (const phase of options.phases) {
    process.stderr.write(`wide: ${phase}...\n`);
    figures.push(await measure(options, plan, phase));
  }
  process.stdout.write(`${table(options, figures)}\n`);
  const dir = join('bench', 'results');
  await mkdir(dir, { recursive: true });
  const file = join(dir, `wide-${options.backend}.json`);
  await writeFile(file, `${JSON.stringify({ options, cores: cpus().length, figures }, null, 2)}\n`);
}
