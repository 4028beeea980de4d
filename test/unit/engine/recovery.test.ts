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
});

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

  it('leaves final runs alone', () => {
    expect(decideRecovery(input(byId(), { status: 'succeeded' }))).toEqual([]);
  });
});
