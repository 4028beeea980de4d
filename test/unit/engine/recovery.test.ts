import { describe, expect, it } from 'vitest';
import { decideRecovery } from '../../../src/engine/recovery.ts';
import { loadPlan } from '../../../src/workflow/index.ts';
import { byId, run, task } from './records.ts';

const plan = loadPlan(
  `workflow:
  name: w
  timeout: 1h
  tasks:
    - id: a
    - id: b
      deps: [a]
    - id: c
      deps: [a]
`,
  'w.yaml',
);

const input = (tasks: ReturnType<typeof byId>, fields: Parameters<typeof run>[0] = {}) => ({
  plan,
  run: run(fields),
  tasks,
  now: 10_000,
  deadOwners: new Set(['dead']),
  graceMs: GRACE,
});

/** The grace of these cases: a dispatch recorded at 5,000 or later is still fresh at 10,000. */
const GRACE = 5_000;
const dispatched = (commands: ReturnType<typeof decideRecovery>) =>
  commands.flatMap((c) => (c.kind === 'dispatch' ? [c.taskId] : []));

describe('decideRecovery', () => {
  it('dispatches a root nobody touched (the submit died before sending)', () => {
    expect(decideRecovery(input(byId()))).toEqual([{ kind: 'dispatch', taskId: 'a', compensation: false }]);
  });

  it('redoes the edges a succeeded task may have lost, and dispatches complete dependents', () => {
    const commands = decideRecovery(
      input(
        byId(
          task('a', { status: 'succeeded', output: '1' }),
          task('b', { status: 'pending', depsDone: ['a'] }),
        ),
      ),
    );
    expect(commands).toEqual([
      { kind: 'edge', from: 'a', to: 'c' },
      { kind: 'dispatch', taskId: 'b', compensation: false },
    ]);
  });

  it('leaves an edge that may be on its way until its task ended longer ago than the grace', () => {
    const ended = (ms: number) => ({ type: 'task.succeeded', lamport: 2, at: new Date(ms).toISOString() });
    const edges = (at: number) =>
      decideRecovery(input(byId(task('a', { status: 'succeeded', output: '1', events: [ended(at)] }))))
        .filter((c) => c.kind === 'edge')
        .map((c) => (c.kind === 'edge' ? c.to : ''));
    // ended at 6,000: a dispatch carrying the edge, or a worker holding it back, may still deliver it
    expect(edges(6_000)).toEqual([]);
    expect(edges(5_000)).toEqual(['b', 'c']);
    // written by a clock running further ahead than the grace: not waited for
    expect(edges(16_000)).toEqual(['b', 'c']);
    // ended before the run's last redrive: its worker found the run paused and left the edges to recovery
    const redriven = { type: 'run.redriven', lamport: 3, at: new Date(7_000).toISOString() };
    const after = decideRecovery(
      input(byId(task('a', { status: 'succeeded', output: '1', events: [ended(6_000)] })), {
        events: [redriven],
      }),
    );
    expect(after.filter((c) => c.kind === 'edge')).toHaveLength(2);
  });

  it('releases the lost attempts of a paused run without sending them, then drives its pause', () => {
    const commands = decideRecovery(
      input(
        byId(
          task('a', { status: 'succeeded', output: '1' }),
          task('b', { status: 'running', owner: 'dead', attempt: 1, leaseUntil: 99_999, depsDone: ['a'] }),
          task('c', { status: 'running', owner: 'alive', attempt: 1, leaseUntil: 99_999, depsDone: ['a'] }),
        ),
        { status: 'paused' },
      ),
    );
    expect(commands).toEqual([
      { kind: 'release', taskId: 'b', compensation: false, owner: 'dead', attempt: 1, reason: 'ownerDead' },
      { kind: 'pause' },
    ]);
  });

  it('releases attempts of dead owners and expired leases, not live ones', () => {
    const commands = decideRecovery(
      input(
        byId(
          task('a', { status: 'succeeded', output: '1' }),
          task('b', { status: 'running', owner: 'dead', attempt: 1, leaseUntil: 99_999, depsDone: ['a'] }),
          task('c', { status: 'running', owner: 'slow', attempt: 2, leaseUntil: 9_999, depsDone: ['a'] }),
        ),
      ),
    );
    expect(commands.filter((c) => c.kind === 'release')).toEqual([
      { kind: 'release', taskId: 'b', compensation: false, owner: 'dead', attempt: 1, reason: 'ownerDead' },
      {
        kind: 'release',
        taskId: 'c',
        compensation: false,
        owner: 'slow',
        attempt: 2,
        reason: 'leaseExpired',
      },
    ]);
  });

  it('resends a retry with its due time', () => {
    const commands = decideRecovery(input(byId(task('a', { status: 'ready', dueAt: 12_000 }))));
    expect(commands).toEqual([{ kind: 'dispatch', taskId: 'a', compensation: false, dueAt: 12_000 }]);
  });

  it('finalises a run whose sinks are all counted', () => {
    const done = byId(
      task('a', { status: 'succeeded', output: '1' }),
      task('b', { status: 'succeeded', output: '1', depsDone: ['a'] }),
      task('c', { status: 'succeeded', output: '1', depsDone: ['a'] }),
    );
    expect(decideRecovery(input(done, { sinksDone: ['b', 'c'] }))).toEqual([{ kind: 'finalise' }]);
    expect(decideRecovery(input(done, { sinksDone: ['b'] }))).toEqual([
      { kind: 'sink', taskId: 'c' },
      { kind: 'finalise' },
    ]);
  });

  it('stops a run past its workflow timeout', () => {
    const old = { ...input(byId()), now: 2 * 60 * 60 * 1000 };
    expect(decideRecovery(old)).toEqual([{ kind: 'timeout' }]);
  });

  it('drives a stopping run and resends its ready compensations', () => {
    const commands = decideRecovery(
      input(
        byId(task('a', { status: 'succeeded', compensation: { status: 'ready', attempt: 0, failures: 0 } })),
        {
          status: 'compensating',
        },
      ),
    );
    expect(commands).toEqual([{ kind: 'dispatch', taskId: 'a', compensation: true }, { kind: 'rollback' }]);
  });

  it('re-sends a complete dependent only once its recorded dispatch is older than the grace', () => {
    const fresh = byId(
      task('a', { status: 'succeeded', output: '1' }),
      task('b', { status: 'pending', depsDone: ['a'], dispatchedAt: 5_001 }),
      task('c', { status: 'pending', depsDone: ['a'], dispatchedAt: 5_000 }),
    );
    expect(dispatched(decideRecovery(input(fresh)))).toEqual(['c']);
    expect(dispatched(decideRecovery({ ...input(fresh), now: 10_001 }))).toEqual(['b', 'c']);
  });

  it('re-sends a record written without a dispatch time at once, as every pass did before', () => {
    const old = byId(
      task('a', { status: 'succeeded', output: '1' }),
      task('b', { status: 'pending', depsDone: ['a'] }),
      task('c', { status: 'ready' }),
    );
    expect(dispatched(decideRecovery(input(old)))).toEqual(['b', 'c']);
  });

  it('re-sends an untouched root by the run’s recorded dispatch of its roots', () => {
    expect(dispatched(decideRecovery(input(byId(), { dispatchedAt: 9_000 })))).toEqual([]);
    expect(dispatched(decideRecovery(input(byId(), { dispatchedAt: 4_000 })))).toEqual(['a']);
  });

  it('counts a delayed dispatch from its due time: a retry, and a wait a heartbeat moved on', () => {
    const retry = task('a', { status: 'ready', dueAt: 6_000, dispatchedAt: 6_000 });
    expect(dispatched(decideRecovery(input(byId(retry))))).toEqual([]);
    expect(decideRecovery({ ...input(byId(retry)), now: 11_000 })).toEqual([
      { kind: 'dispatch', taskId: 'a', compensation: false, dueAt: 6_000 },
    ]);
    const wait = task('a', { status: 'waiting', dueAt: 7_000, dispatchedAt: 1_000 });
    expect(dispatched(decideRecovery(input(byId(wait))))).toEqual([]);
    expect(dispatched(decideRecovery({ ...input(byId(wait)), now: 12_000 }))).toEqual(['a']);
  });

  it('does not wait for a release recorded by a clock far ahead (a skewed reaper): sent now', () => {
    // released at the skewed reaper's "now", 10 minutes ahead: waiting for it would strand a lost message
    const skewed = task('a', { status: 'ready', dispatchedAt: 610_000 });
    expect(dispatched(decideRecovery(input(byId(skewed))))).toEqual(['a']);
    // within the grace ahead (clocks a little apart), or a retry delayed that far: still waited for
    expect(
      dispatched(decideRecovery(input(byId(task('a', { status: 'ready', dispatchedAt: 14_000 }))))),
    ).toEqual([]);
    const delayed = task('a', { status: 'ready', dueAt: 610_000, dispatchedAt: 610_000 });
    expect(dispatched(decideRecovery(input(byId(delayed))))).toEqual([]);
  });

  it('re-sends a ready compensation only once its recorded dispatch is older than the grace', () => {
    const ready = (dispatchedAt: number) =>
      byId(
        task('a', {
          status: 'succeeded',
          compensation: { status: 'ready', attempt: 0, failures: 0, dispatchedAt },
        }),
      );
    const stopping = { status: 'compensating' } as const;
    expect(decideRecovery(input(ready(8_000), stopping))).toEqual([{ kind: 'rollback' }]);
    expect(dispatched(decideRecovery(input(ready(1_000), stopping)))).toEqual(['a']);
  });

  it('sends every claimable dispatch on every pass with no grace', () => {
    const fresh = byId(task('a', { status: 'ready', dispatchedAt: 10_000 }));
    expect(dispatched(decideRecovery({ ...input(fresh), graceMs: 0 }))).toEqual(['a']);
  });

  it('sends at most maxDispatches per run, the longest-waiting first', () => {
    const many = byId(
      task('a', { status: 'succeeded', output: '1' }),
      task('b', { status: 'pending', depsDone: ['a'], dispatchedAt: 3_000 }),
      task('c', { status: 'pending', depsDone: ['a'], dispatchedAt: 1_000 }),
    );
    expect(dispatched(decideRecovery({ ...input(many), maxDispatches: 1 }))).toEqual(['c']);
    expect(dispatched(decideRecovery({ ...input(many), maxDispatches: 2 }))).toEqual(['b', 'c']);
  });

  it('leaves final runs alone', () => {
    expect(decideRecovery(input(byId(), { status: 'succeeded' }))).toEqual([]);
  });
});
