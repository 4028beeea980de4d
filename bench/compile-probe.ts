/**
 * One measurement in a fresh process, so its peak memory belongs to that compile alone:
 * `node --import tsx bench/compile-probe.ts <size> <yaml|json>` prints a JSON line.
 */
import { compileSource } from '../src/workflow/index.ts';
import { generateJson, generateYaml } from './workflow-generator.ts';

const size = Number(process.argv[2]);
const format = process.argv[3] === 'json' ? 'json' : 'yaml';
const text = format === 'json' ? generateJson(size) : generateYaml(size);
const before = process.memoryUsage();
const rssBeforeKb = process.resourceUsage().maxRSS;
const result = compileSource(text, `bench.${format}`);
const after = process.memoryUsage();
if (!result.ok) throw new Error('the generated workflow is invalid');
process.stdout.write(
  `${JSON.stringify({
    size,
    format,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    rssGrowthMb: (process.resourceUsage().maxRSS - rssBeforeKb) / 1024,
    heapBeforeMb: before.heapUsed / 2 ** 20,
    heapAfterMb: after.heapUsed / 2 ** 20,
  })}\n`,
);
