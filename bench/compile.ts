/**
 * `npm run bench -- compile`: how long parsing, validating and compiling take for generated workflows of
 * 1,000 and 10,000 tasks (about 3 deps each), and how much memory a compile needs. The YAML parser is
 * reported apart from validation and compilation, and `.json` shows the path that skips it.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildPlan } from '../src/workflow/compile.ts';
import { checkGraph } from '../src/workflow/graph-checks.ts';
import { compileSource } from '../src/workflow/index.ts';
import { definitionSchema } from '../src/workflow/schema.ts';
import { type ParsedSource, parseSource } from '../src/workflow/source.ts';
import { generateJson, generateYaml } from './workflow-generator.ts';

const SIZES = [1000, 10_000] as const;

/** Median wall time in ms of `runs` calls, after one warm-up call. */
function median<T>(runs: number, fn: () => T): { ms: number; value: T } {
  let value = fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    value = fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)] ?? 0, value };
}

function parsed(text: string, file: string): ParsedSource {
  const result = parseSource(text, file);
  if (!result.ok) throw new Error(`generated ${file} does not parse`);
  return result.source;
}

interface Probe {
  /** Heap used once the modules are loaded and the text read, before compiling. */
  readonly heapBeforeMb: number;
  /** Largest heap used, from V8's GC trace (the heap only grows between collections) and the final size. */
  readonly peakHeapMb: number;
  readonly peakRssMb: number;
  readonly rssGrowthMb: number;
}

/** Compiles `text` once in a fresh process traced by V8's `--trace-gc`. */
async function probe(text: string, extension: 'yaml' | 'json'): Promise<Probe> {
  const dir = await mkdtemp(join(tmpdir(), 'weft-bench-'));
  const file = join(dir, `bench.${extension}`);
  try {
    await writeFile(file, text);
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--trace-gc', '--import', 'tsx', join(import.meta.dirname, 'compile-probe.ts'), file],
      { maxBuffer: 64 * 2 ** 20 },
    );
    const lines = stdout.split('\n');
    const result = JSON.parse(lines.findLast((line) => line.startsWith('{')) ?? '{}') as Omit<
      Probe,
      'peakHeapMb'
    > & {
      heapAfterMb: number;
    };
    const beforeCollections = lines.flatMap((line) => {
      const match = /: (?:Scavenge|Mark-Compact|Mark-sweep|Minor Mark-Compact)[^\d]*([\d.]+) \(/.exec(line);
      return match?.[1] === undefined ? [] : [Number(match[1])];
    });
    return { ...result, peakHeapMb: Math.max(result.heapAfterMb, ...beforeCollections) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function measure(size: number) {
  const runs = size >= 10_000 ? 5 : 9;
  const yaml = generateYaml(size);
  const json = generateJson(size);
  const yamlParse = median(runs, () => parsed(yaml, 'bench.yaml'));
  const jsonParse = median(runs, () => parsed(json, 'bench.json'));
  const source = yamlParse.value;
  const validation = median(runs, () => {
    const checked = definitionSchema.safeParse(source.value);
    const { diagnostics, graph } = checkGraph(source, 'bench.yaml');
    if (!checked.success || diagnostics.length > 0) throw new Error('generated workflow is invalid');
    return { definition: checked.data, graph };
  });
  const compile = median(runs, () => buildPlan(validation.value.definition, validation.value.graph));
  const edges = Object.values(compile.value.tasks).reduce((sum, task) => sum + task.deps.length, 0);
  const yamlTotal = median(runs, () => compileSource(yaml, 'bench.yaml'));
  const jsonTotal = median(runs, () => compileSource(json, 'bench.json'));
  const yamlMemory = await probe(yaml, 'yaml');
  const jsonMemory = await probe(json, 'json');
  return {
    tasks: size,
    edges,
    levels: compile.value.levels.length,
    yamlBytes: yaml.length,
    jsonBytes: json.length,
    runs,
    yamlParseMs: yamlParse.ms,
    jsonParseMs: jsonParse.ms,
    validationMs: validation.ms,
    compileMs: compile.ms,
    validationPlusCompileMs: validation.ms + compile.ms,
    totalYamlMs: yamlTotal.ms,
    totalJsonMs: jsonTotal.ms,
    yamlHeapBeforeMb: yamlMemory.heapBeforeMb,
    yamlPeakHeapMb: yamlMemory.peakHeapMb,
    yamlPeakRssMb: yamlMemory.peakRssMb,
    jsonHeapBeforeMb: jsonMemory.heapBeforeMb,
    jsonPeakHeapMb: jsonMemory.peakHeapMb,
    jsonPeakRssMb: jsonMemory.peakRssMb,
  };
}

const fixed = (value: number, digits = 1) => value.toFixed(digits);

/** Runs the benchmark, prints the table and writes bench/results/compile.json. */
export async function run(): Promise<void> {
  const rows = [];
  for (const size of SIZES) rows.push(await measure(size));
  const table = [
    ['', ...rows.map((row) => `${row.tasks} tasks`)],
    ['edges (deps)', ...rows.map((row) => String(row.edges))],
    ['YAML size (KB)', ...rows.map((row) => fixed(row.yamlBytes / 1024, 0))],
    ['YAML parse (ms)', ...rows.map((row) => fixed(row.yamlParseMs))],
    ['JSON parse (ms)', ...rows.map((row) => fixed(row.jsonParseMs))],
    ['validation (ms)', ...rows.map((row) => fixed(row.validationMs))],
    ['compile (ms)', ...rows.map((row) => fixed(row.compileMs))],
    ['validation + compile (ms)', ...rows.map((row) => fixed(row.validationPlusCompileMs))],
    ['compileSource .yaml (ms)', ...rows.map((row) => fixed(row.totalYamlMs))],
    ['compileSource .json (ms)', ...rows.map((row) => fixed(row.totalJsonMs))],
    [
      'peak heap .yaml (MB)',
      ...rows.map((row) => `${fixed(row.yamlPeakHeapMb, 0)} (${fixed(row.yamlHeapBeforeMb, 0)} before)`),
    ],
    [
      'peak heap .json (MB)',
      ...rows.map((row) => `${fixed(row.jsonPeakHeapMb, 0)} (${fixed(row.jsonHeapBeforeMb, 0)} before)`),
    ],
    [
      'peak RSS .yaml / .json (MB)',
      ...rows.map((row) => `${fixed(row.yamlPeakRssMb, 0)} / ${fixed(row.jsonPeakRssMb, 0)}`),
    ],
  ];
  const widths =
    table[0]?.map((_, column) => Math.max(...table.map((line) => (line[column] ?? '').length))) ?? [];
  const text = table
    .map((line) =>
      line
        .map((cell, column) =>
          column === 0 ? cell.padEnd(widths[0] ?? 0) : cell.padStart(widths[column] ?? 0),
        )
        .join('  '),
    )
    .join('\n');
  process.stdout.write(
    `compile benchmark (median of ${rows.map((row) => row.runs).join('/')} runs; memory: a fresh process that loads the compiler, reads the file and compiles it once)\n${text}\n`,
  );
  const dir = join(import.meta.dirname, 'results');
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'compile.json');
  await writeFile(
    file,
    `${JSON.stringify({ node: process.version, date: new Date().toISOString(), rows }, null, 2)}\n`,
  );
  process.stdout.write(`wrote ${file}\n`);
}
