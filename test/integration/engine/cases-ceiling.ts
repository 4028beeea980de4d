import { describe, expect, it } from 'vitest';
import { catalog, createBench, type Endpoints, plan } from './harness.ts';

const hangs = plan(`workflow:
  name: hangs
  tasks:
    - id: reserve
      compensation: release
    - id: forever
      deps: [reserve]
`);

/** A task without `timeout` whose handler never settles is stopped at the ceiling: nothing hangs forever. */
export function ceilingCases(endpoints: () => Endpoints): void {
  describe('the ceiling of a task without timeout', () => {
    it('fails the attempt at the default ceiling, says why, and rolls the run back', async () => {
      const calls: string[] = [];
      const bench = await createBench(endpoints(), catalog(hangs), {
        reserve: () => calls.push('reserve'),
        release: () => calls.push('release'),
        forever: () => new Promise(() => {}),
      });
      const runtime = bench.runtime({ defaultTaskTimeoutMs: 300 });
      const { runId } = await runtime.submit({ workflow: 'hangs', input: null });
      const view = await bench.runToEnd(runtime, runId);
      expect(view).toMatchObject({ status: 'failed', rollback: 'completed' });
      expect(view.tasks.forever?.error?.name).toBe('TaskTimeout');
      expect(view.tasks.forever?.error?.message).toContain(
        "has no timeout and ran past weft's ceiling of 300 ms",
      );
      expect(calls).toEqual(['reserve', 'release']);
    });
  });
}
