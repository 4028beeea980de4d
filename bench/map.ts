/**
 * `npm run bench -- map [--items N] [--concurrency W] [--backend sqlite|emulators] [--workers N]
 * [--recovery-ms N]`: one run
 * of `load -> each (a map over N items, W at once, no-op handler) -> join`, the recovery pass on (by
 * default). Prints
 * items per second, the store's conditional writes per item by kind, messages received per item, whether
 * the join ran once, and the load it ran under; writes bench/results/map-<backend>.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { TaskEvent } from '../src/runtime/types.ts';
import { loadPlan } from '../src/workflow/index.ts';
import { integerOption, parseBenchOptions } from './options.ts';
import { startEmulatorsWide, startSqliteWide, type WideStackOptions } from './wide-backends.ts';

const USAGE = `usage: npm run bench -- map [--items N] [--concurrency W] [--backend sqlite|emulators] [--workers N]
  --items        items of the map (default 10000)
  --concurrency  the map's max_concurrency (default 40)
  --backend      sqlite (default: the embedded store and its in-process queue) or emulators (dynalite + fauxqs)
  --workers      messages handled at once (default 32)
  --recovery-ms  the recovery pass's period (default 5000; 0: no pass)`;

export async function run(args: readonly string[]): Promise<void> {
  const values = parseBenchOptions(
    args,
    {
      items: { type: 'string' },
      concurrency: { type: 'string' },
      backend: { type: 'string' },
      workers: { type: 'string' },
      'recovery-ms': { type: 'string' },
    },
    USAGE,
  );
  const backend = values.backend ?? 'sqlite';
  if (backend !== 'sqlite' && backend !== 'emulators')
    throw new Error(`--backend sqlite|emulators\n${USAGE}`);
  const items = integerOption('items', values.items, 10_000, 1, USAGE);
  const concurrency = integerOption('concurrency', values.concurrency, 40, 1, USAGE);
  const workers = integerOption('workers', values.workers, 32, 1, USAGE);
  const recoveryMs = integerOption('recovery-ms', values['recovery-ms'], 5000, 0, USAGE);
  const plan = loadPlan(
    [
      'workflow:',
      '  name: map_bench',
      '  tasks:',
      '    - id: load',
      '    - id: each',
      '      deps: [load]',
      `      map: { items: deps.load, max_concurrency: ${concurrency} }`,
      '    - id: join',
      '      deps: [each]',
      '',
    ].join('\n'),
    'map_bench.yaml',
  );
  let joins = 0;
  const stackOptions: WideStackOptions = {
    plan,
    handlers: {
      load: () => Array.from({ length: items }, (_, i) => i),
      each: () => ({ ok: true }),
      join: (event: TaskEvent) => {
        joins += 1;
        return (event.deps.each as unknown[]).length;
      },
    },
    workers,
    ...(recoveryMs === 0 ? {} : { recoveryMs }),
    recovery: {},
  };
  const stack =
    backend === 'sqlite' ? await startSqliteWide(stackOptions) : await startEmulatorsWide(stackOptions);
  const loadBefore = loadavg().map((n) => n.toFixed(2));
  let wallMs: number;
  let status: string | undefined;
  try {
    const done = new Promise<void>((resolve) => {
      stack.tally.finished = resolve;
    });
    const started = performance.now();
    const { runId } = await stack.runtime.submit({ workflow: plan.name, input: null });
    await done;
    wallMs = performance.now() - started;
    status = (await stack.runtime.getRun(runId))?.status;
  } finally {
    await stack.close();
  }
  const writes = Object.fromEntries(
    [...stack.tally.writes.entries()].sort((a, b) => b[1] - a[1]).map(([kind, n]) => [kind, n]),
  );
  const totalWrites = Object.values(writes).reduce((a, b) => a + b, 0);
  const received = [...stack.tally.received.values()].reduce((a, b) => a + b, 0);
  const figures = {
    backend,
    items,
    concurrency,
    workers,
    recoveryMs,
    status,
    joins,
    wallMs: Math.round(wallMs),
    itemsPerSecond: Math.round(items / (wallMs / 1000)),
    writesPerItem: Number((totalWrites / items).toFixed(2)),
    writes,
    messagesPerItem: Number((received / items).toFixed(2)),
    load: { before: loadBefore, after: loadavg().map((n) => n.toFixed(2)) },
    cpus: cpus().length,
    node: process.version,
  };
  const byKind = Object.entries(writes)
    .map(([kind, n]) => `${kind} ${(n / items).toFixed(2)}`)
    .join(', ');
  process.stdout.write(
    [
      `map, ${backend}: load -> each (${items} items, max_concurrency ${concurrency}, no-op handler) -> join; ${workers} workers`,
      `  run ${status}, join ran ${joins} time(s); ${(wallMs / 1000).toFixed(2)} s, ${figures.itemsPerSecond} items/s`,
      `  conditional writes per item ${figures.writesPerItem} (${byKind}); messages received per item ${figures.messagesPerItem}`,
      `  load average ${loadBefore.join(' ')} before, ${figures.load.after.join(' ')} after (${figures.cpus} cores), ${process.version}`,
      '',
    ].join('\n'),
  );
  await mkdir(join(import.meta.dirname, 'results'), { recursive: true });
  await writeFile(
    join(import.meta.dirname, 'results', `map-${backend}.json`),
    `${JSON.stringify(figures, null, 2)}\n`,
  );
}
