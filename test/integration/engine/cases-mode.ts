import { describe, expect, it } from 'vitest';
import type { HandlerRegistry, Json, TaskEvent } from '../../../src/runtime/types.ts';
import { type Bench, catalog, createBench, type Endpoints, pastGrace, plan } from './harness.ts';

/** The loan shape, sync: check, then reserve and score in parallel, then decide; notify off the path. */
const loan = plan(`workflow:
  name: sync_loan
  mode: sync
  tasks:
    - id: check
    - id: reserve
      deps: [check]
      compensation: release
    - id: score
      deps: [check]
    - id: decide
      deps: [reserve, score]
      compensation: undecide
    - id: notify
      deps: [decide]
      mode: async
      compensation: unnotify
    - id: archive
      deps: [notify]
`);

interface Calls {
  readonly calls: string[];
}

function handlers(rec: Calls): HandlerRegistry {
  const log = (name: string, fails?: (input: Json) => boolean) => (event: TaskEvent) => {
    rec.calls.push(name);
    if (fails?.(event.input)) throw Object.assign(new Error(`${name} refused`), { name: 'Refused' });
    return { task: name };
  };
  const flag = (key: string) => (input: Json) => (input as Record<string, unknown> | null)?.[key] === true;
  return {
    check: log('check'),
    reserve: log('reserve'),
    release: log('release'),
    score: log('score', flag('badScore')),
    decide: log('decide'),
    undecide: log('undecide'),
    notify: log('notify'),
    unnotify: log('unnotify'),
    archive: log('archive', flag('badArchive')),
  };
}

/** Every message the queue holds now, by task (or kind). */
async function queued(bench: Bench): Promise<string[]> {
  const received = await bench.queue.receive(10, 0);
  return received
    .map((r) => JSON.parse(r.body) as { kind?: string; taskId?: string })
    .map((m) => m.taskId ?? m.kind ?? '?')
    .sort();
}

/** `mode: sync` and hybrid runs: the accepting process runs the critical path and answers. */
export function modeCases(endpoints: () => Endpoints): void {
  describe('mode: sync', () => {
    it('runs the critical path in the accepting process and answers once it is final, async tasks still queued', async () => {
      const rec: Calls = { calls: [] };
      const bench = await createBench(endpoints(), catalog(loan), handlers(rec));
      const runtime = bench.runtime();
      const answer = await runtime.run({ workflow: 'sync_loan', input: {} }, { waitMs: 20_000 });
      expect(answer.kind).toBe('answered');
      if (answer.kind !== 'answered') return;
      expect(answer.pending).toEqual(['notify', 'archive']);
      expect(answer.view.status).toBe('running');
      expect(answer.view.answered?.pending).toEqual(['notify', 'archive']);
      for (const id of ['check', 'reserve', 'score', 'decide'])
        expect(answer.view.tasks[id]?.status).toBe('succeeded');
      expect(rec.calls.sort()).toEqual(['check', 'decide', 'reserve', 'score']);
      // no hop: the only message the queue got is the off-path task's
      expect(await queued(bench)).toEqual(['notify']);
      const view = await bench.runToEnd(runtime, answer.runId);
      expect(view.status).toBe('succeeded');
      const history = (await runtime.history(answer.runId)) ?? [];
      expect(history.find((e) => e.type === 'run.answered')?.detail).toEqual({
        pending: ['notify', 'archive'],
      });
    });

    it('runs the Saga before the answer when the critical path fails', async () => {
      const rec: Calls = { calls: [] };
      const bench = await createBench(endpoints(), catalog(loan), handlers(rec));
      const runtime = bench.runtime();
      const answer = await runtime.run(
        { workflow: 'sync_loan', input: { badScore: true } },
        { waitMs: 20_000 },
      );
      expect(answer.kind).toBe('settled');
      if (answer.kind !== 'settled') return;
      expect(answer.view.status).toBe('failed');
      expect(answer.view.rollback).toBe('completed');
      expect(answer.view.compensations.map((c) => c.task)).toEqual(['reserve']);
      expect(rec.calls).toContain('release');
      expect(await queued(bench)).toEqual([]);
    });

    it('after the answer, an async task failing rolls back only what still ran then', async () => {
      const rec: Calls = { calls: [] };
      const bench = await createBench(endpoints(), catalog(loan), handlers(rec));
      const runtime = bench.runtime();
      const answer = await runtime.run(
        { workflow: 'sync_loan', input: { badArchive: true } },
        { waitMs: 20_000 },
      );
      expect(answer.kind).toBe('answered');
      const view = await bench.runToEnd(runtime, answer.runId);
      expect(view.status).toBe('failed');
      expect(view.error?.taskId).toBe('archive');
      // notify was pending at the answer: compensated; the answered part stays as the caller was told
      expect(view.compensations.map((c) => c.task)).toEqual(['notify']);
      expect(rec.calls).not.toContain('undecide');
      expect(rec.calls).not.toContain('release');
      for (const id of ['check', 'reserve', 'score', 'decide'])
        expect(view.tasks[id]?.status).toBe('succeeded');
    });

    it('answers a duplicate submission from the store, running nothing again', async () => {
      const rec: Calls = { calls: [] };
      const bench = await createBench(endpoints(), catalog(loan), handlers(rec));
      const runtime = bench.runtime();
      const first = await runtime.run(
        { workflow: 'sync_loan', input: {}, runId: 'sync-dup' },
        { waitMs: 20_000 },
      );
      const again = await runtime.run(
        { workflow: 'sync_loan', input: {}, runId: 'sync-dup' },
        { waitMs: 20_000 },
      );
      expect(first.created).toBe(true);
      expect(again).toMatchObject({ created: false, kind: 'answered', pending: ['notify', 'archive'] });
      expect(rec.calls.filter((c) => c === 'check')).toHaveLength(1);
    });

    it('goes on through recovery when the accepting process dies mid-run; nothing checkpointed runs again', async () => {
      const rec: Calls = { calls: [] };
      const bench = await createBench(endpoints(), catalog(loan), handlers(rec));
      const doomed = bench.runtime({
        owner: 'doomed',
        faults: (point, site) => {
          if (point === 'afterCheckpoint' && site.taskId === 'reserve') throw new Error('the process died');
        },
      });
      await expect(
        doomed.run({ workflow: 'sync_loan', input: {}, runId: 'sync-crash' }, { waitMs: 20_000 }),
      ).rejects.toThrow('the process died');
      await pastGrace();
      const survivor = bench.runtime({ owner: 'survivor', isOwnerAlive: (owner) => owner !== 'doomed' });
      await survivor.recover();
      const view = await bench.runToEnd(survivor, 'sync-crash', { recoverEveryMs: 250 });
      expect(view.status).toBe('succeeded');
      expect(rec.calls.filter((c) => c === 'check')).toHaveLength(1);
      expect(rec.calls.filter((c) => c === 'reserve')).toHaveLength(1);
    });
  });
}
