import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { weft } from '../../support/weft-in-process.ts';

describe('examples/analytics_fanout', () => {
  it('runs with weft run, its CPU-heavy task in a worker thread', async () => {
    const stateDir = join(await mkdtemp(join(tmpdir(), 'weft-analytics-')), 'state');
    const dir = 'examples/analytics_fanout';
    const { code, out } = await weft(
      'run',
      `${dir}/workflow.yaml`,
      '--handlers',
      `${dir}/handlers.ts`,
      '--input',
      `@${dir}/input.json`,
      '--state-dir',
      stateDir,
    );
    expect(code).toBe(0);
    const result = JSON.parse(out) as { status: string; tasks: Record<string, { output?: unknown }> };
    expect(result.status).toBe('succeeded');
    expect(result.tasks.cohort_similarity?.output).toMatchObject({
      pairs: 719_400,
      ran_in: 'a worker thread',
    });
    expect(result.tasks.report?.output).toMatchObject({ day: '2026-12-01', alike_pairs: expect.any(Number) });
  });
});
