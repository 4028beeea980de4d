/**
 * One compile in a fresh process, so that its memory figures belong to that compile alone:
 * `node --trace-gc --import tsx bench/compile-probe.ts <file>` prints V8's GC trace, then a JSON line.
 * The parent reads the heap size before each collection from the trace: the heap only grows between
 * collections, so the largest of those and the final size is the peak.
 */
import { readFileSync } from 'node:fs';
import { compileSource } from '../src/workflow/index.ts';

const file = process.argv[2] ?? '';
const text = readFileSync(file, 'utf8');
const heapBeforeMb = process.memoryUsage().heapUsed / 2 ** 20;
const rssBeforeKb = process.resourceUsage().maxRSS;
const result = compileSource(text, file);
if (!result.ok) throw new Error('the generated workflow is invalid');
const heapAfterMb = process.memoryUsage().heapUsed / 2 ** 20;
const peakRssKb = process.resourceUsage().maxRSS;
process.stdout.write(
  `\n${JSON.stringify({ heapBeforeMb, heapAfterMb, peakRssMb: peakRssKb / 1024, rssGrowthMb: (peakRssKb - rssBeforeKb) / 1024 })}\n`,
);
