/**
 * `npm run bench -- [name...]`: runs the named benchmarks, or all of them. Each prints a table and writes
 * its figures to bench/results/<name>.json. Figures, not pass/fail: targets are checked by reading them.
 */

/** A benchmark: runs, prints, writes its results. */
type Benchmark = () => Promise<void>;

/** Every benchmark by name. Adding one is one line here and a module exporting `run`. */
const benchmarks: Readonly<Record<string, Benchmark>> = {
  compile: async () => (await import('./compile.ts')).run(),
};

/** Runs the benchmarks named in `args` (all when none) and resolves to the exit status. */
export async function main(args: readonly string[]): Promise<number> {
  const names = args.length > 0 ? args : Object.keys(benchmarks);
  const unknown = names.filter((name) => !(name in benchmarks));
  if (unknown.length > 0) {
    process.stderr.write(
      `bench: unknown benchmark ${unknown.map((name) => `'${name}'`).join(', ')}; known: ${Object.keys(benchmarks).join(', ')}\n`,
    );
    return 1;
  }
  for (const name of names) await benchmarks[name]?.();
  return 0;
}
