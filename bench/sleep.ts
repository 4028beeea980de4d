/**
 * `npm run bench -- sleep [--runs N] [--sleep-ms N] [--spacing-ms N] [--backend sqlite|emulators]`: how
 * late durable sleeps wake. N runs of `start -> nap (sleep) -> after` are submitted through `openLocal`,
 * one every `spacing-ms` (0: all at once, a burst of wake-ups that measures throughput as much); the
 * lateness of a sleep is from its wake time (`nap`'s `until`) to `after`'s handler starting, which
 * includes the wake claim, the checkpoint and the edge. Prints p50 / p99 / max and the load it ran under;
 * writes bench/results/sleep.json.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLocal } from '../src/local/open-local.ts';
import type { TaskEvent } from '../src/runtime/types.ts';
import { loadPlan } from '../src/workflow/index.ts';

interface SleepOptions {
  readonly runs: number;
  readonly sleepMs: number;
  readonly spacingMs: number;
  readonly backend: 'sqlite' | 'emulators';
}

function parse(options: readonly string[]): SleepOptions {
  const value = (name: string) => {
    const at = options.indexOf(name);
    return at === -1 ? undefined : options[at + 1];
  };
  const backend = value('--backend') ?? 'sqlite';
  if (backend !== 'sqlite' && backend !== 'emulators')
    throw new Error(`--backend sqlite|emulators, got ${backend}`);
  return {
    runs: Number(value('--runs') ?? 200),
    sleepMs: Number(value('--sleep-ms') ?? 1500),
    spacingMs: Number(value('--spacing-ms') ?? 10),
    backend,
  };
}

const quantile = (sorted: readonly number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

export async function run(args: readonly string[]): Promise<void> {
  const options = parse(args);
  const plan = loadPlan(
    `workflow:\n  name: napping\n  tasks:\n    - id: start\n    - id: nap\n      deps: [start]\n      sleep: ${options.sleepMs}ms\n    - id: after\n      deps: [nap]\n`,
    'napping.yaml',
  );
  const lateness: number[] = [];
  const engine = await openLocal({
    workflows: [plan],
    backend: options.backend,
    stateDir: await mkdtemp(join(tmpdir(), 'weft-bench-sleep-')),
    handlers: {
      start: () => null,
      after: (event: TaskEvent) => {
        const until = (event.deps.nap as { until: string }).until;
        lateness.push(Date.now() - Date.parse(until));
        return null;
      },
    },
  });
  const loadBefore = loadavg().map((n) => n.toFixed(2));
  const started = performance.now();
  try {
    const ids: string[] = [];
    for (let i = 0; i < options.runs; i += 1) {
      ids.push((await engine.submit('napping', null)).runId);
      if (options.spacingMs > 0) await new Promise((resolve) => setTimeout(resolve, options.spacingMs));
    }
    for (const id of ids) {
      const result = await engine.wait(id, { timeoutMs: options.sleepMs + 120_000 });
      if (result.status !== 'succeeded') throw new Error(`run ${id} ended ${result.status}`);
    }
  } finally {
    await engine.close();
  }
  const wallMs = performance.now() - started;
  const sorted = [...lateness].sort((a, b) => a - b);
  const figures = {
    backend: options.backend,
    runs: options.runs,
    sleepMs: options.sleepMs,
    spacingMs: options.spacingMs,
    latenessMs: { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted.at(-1) ?? Number.NaN },
    wallMs: Math.round(wallMs),
    load: { before: loadBefore, after: loadavg().map((n) => n.toFixed(2)) },
    cpus: cpus().length,
    node: process.version,
  };
  process.stdout.write(
    [
      `sleep lateness, ${options.backend}: ${options.runs} runs of start -> nap (sleep ${options.sleepMs} ms) -> after, ${options.spacingMs > 0 ? `one submitted every ${options.spacingMs} ms` : 'all submitted at once'}`,
      `  wake time to the dependent's handler start: p50 ${figures.latenessMs.p50} ms, p99 ${figures.latenessMs.p99} ms, max ${figures.latenessMs.max} ms`,
      `  wall clock ${(wallMs / 1000).toFixed(2)} s; load average ${loadBefore.join(' ')} before, ${figures.load.after.join(' ')} after (${figures.cpus} cores), ${process.version}`,
      '',
    ].join('\n'),
  );
  await mkdir(join(import.meta.dirname, 'results'), { recursive: true });
  await writeFile(
    join(import.meta.dirname, 'results', 'sleep.json'),
    `${JSON.stringify(figures, null, 2)}\n`,
  );
}
