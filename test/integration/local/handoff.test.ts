/**
 * Two processes on one state dir, each with the handlers of only some tasks: a task one declines is sent by
 * the other's recovery pass as soon as that one sees the write (SQLite's data_version), not after the
 * grace, because a dispatch its own worker declines is recorded as no one's.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LocalBackend } from '../../../src/local/backend.ts';
import { openSqliteBackend } from '../../../src/local/sqlite-backend.ts';
import type { HandlerRegistry, HistoryEvent, RunView } from '../../../src/runtime/types.ts';
import { loadPlan } from '../../../src/workflow/index.ts';

const pair = loadPlan(
  'workflow:\n  name: pair\n  tasks:\n    - id: first\n    - id: second\n      deps: [first]\n',
  'pair.yaml',
);

/** Longer than the test may take: a hand-off that waited for it would fail the test. */
const GRACE_MS = 20_000;

async function open(stateDir: string, handlers: HandlerRegistry): Promise<LocalBackend> {
  const backend = await openSqliteBackend({
    stateDir,
    plans: [pair],
    handlers,
    recovery: { graceMs: GRACE_MS },
  });
  backend.startWorker();
  return backend;
}

async function finished(backend: LocalBackend, runId: string): Promise<RunView> {
  for (let i = 0; i < 500; i += 1) {
    const view = await backend.runtime.getRun(runId);
    if (view?.status === 'succeeded' || view?.status === 'failed') return view;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`run ${runId} did not finish`);
}

const at = (history: readonly HistoryEvent[], type: string, taskId: string): number =>
  Date.parse(history.find((e) => e.type === type && e.taskId === taskId)?.at ?? '');

describe('a task one process declines', () => {
  it('is run by the process that has its handler, at once, a root or a dependent', async () => {
    const stateDir = join(await mkdtemp(join(tmpdir(), 'weft-handoff-')), 'state');
    const firstOnly = await open(stateDir, { first: () => 1 });
    const secondOnly = await open(stateDir, { second: () => 2 });
    try {
      // submitted where `first` runs: `second` is handed to the other process
      const one = await firstOnly.runtime.submit({ workflow: 'pair', input: null });
      expect((await finished(secondOnly, one.runId)).tasks.second?.output).toBe(2);
      const history = (await firstOnly.runtime.history(one.runId)) ?? [];
      const handoff = at(history, 'task.claimed', 'second') - at(history, 'task.succeeded', 'first');
      expect(handoff).toBeLessThan(GRACE_MS / 4);
      // submitted where nothing of it runs first: the root is handed over too
      const two = await secondOnly.runtime.submit({ workflow: 'pair', input: null });
      expect((await finished(firstOnly, two.runId)).status).toBe('succeeded');
    } finally {
      await secondOnly.close();
      await firstOnly.close();
    }
  });
});
