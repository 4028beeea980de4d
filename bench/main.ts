/**
 * `npm run bench -- [name...] [--option ...]`: runs the named benchmarks, or all of them; the options after
 * the names go to each benchmark. Each prints a table and writes its figures to bench/results/<name>.json.
 * Figures, not pass/fail: targets are checked by reading them.
 */

/** A benchmark: takes its options, runs, prints, writes its results. */
type Benchmark = (options: readonly string[]) => Promise<void>;

/** Every benchmark by name. Adding one is one line here and a module exporting `run`. */
const benchmarks: Readonly<Record<string, Benchmark>> = {
  chaos: async (options) => (await import('./chaos.ts')).run(options),
  compile: async () => (await import('./compile.ts')).run(),
  engine: async (options) => (await import('./engine.ts')).run(options),
  locks: async (options) => (await import('./locks.ts')).run(options),
  map: async (options) => (await import('./map.ts')).run(options),
  sleep: async (options) => (await import('./sleep.ts')).run(options),
  sync: async (options) => (await import('./sync.ts')).run(options),
  wide: async (options) => (await import('./wide.ts')).run(options),
};

/** Runs the benchmarks named in `args` (all when none) and resolves to the exit status. */
export async function main(args: readonly string[]): Promise<number> {
  const firstOption = args.findIndex((arg) => arg.startsWith('-'));
  const named = firstOption === -1 ? args : args.slice(0, firstOption);
  const options = firstOption === -1 ? [] : args.slice(firstOption);
  const names = named.length > 0 ? named : Object.keys(benchmarks);
  const unknown = names.filter((name) => !(name in benchmarks));
  if (unknown.length > 0) {
    process.stderr.write(
      `bench: unknown benchmark ${unknown.map((name) => `'${name}'`).join(', ')}; known: ${Object.keys(benchmarks).join(', ')}\n`,
    );
    return 1;
  }
  for (const name of names) {
    try {
      await benchmarks[name]?.(options);
    } catch (error) {
      process.stderr.write(`bench ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
      return 1;
    }
  }
  return 0;
}
