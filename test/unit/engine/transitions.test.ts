import { describe, expect, it } from 'vitest';
import {
  answerRun,
  checkpoint,
  claimByEdge,
  claimCompensation,
  claimTask,
  copyEdge,
  countLastSink,
  countSink,
  createRun,
  dispatchCompensation,
  endTask,
  finishCompensation,
  finishRollback,
  finishRun,
  flagStopping,
  pauseRun,
  releaseCompensation,
  releaseTask,
  renewCompensationLease,
  renewLease,
  retryCompensation,
  retryTask,
  skipTask,
  stopRun,
} from '../../../src/engine/transitions/index.ts';
import type { StoredEvent, TaskRecord } from '../../../src/engine/types.ts';
import { run, task } from './records.ts';

const ev = (type: string, lamport: number): StoredEvent => ({
  type,
  lamport,
  at: '2026-01-01T00:00:00.000Z',
});
const ref = { runId: 'r1', taskId: 'a' };
const fence = { ...ref, owner: 'w1', attempt: 1 };
const boom = { name: 'Boom', message: 'failed' };
const claim = (fields: Partial<Parameters<typeof claimTask>[1]> = {}) => ({
  ...ref,
  owner: 'w1',
  now: 100,
  leaseUntil: 200,
  lamport: 5,
  depCount: 0,
  event: ev('task.claimed', 5),
  ...fields,
});
const running = (fields: Partial<TaskRecord> = {}) =>
  task('a', { status: 'running', owner: 'w1', attempt: 1, leaseUntil: 200, lamport: 2, ...fields });
const succeeded = (fields: Partial<TaskRecord> = {}) =>
  task('a', { status: 'succeeded', owner: 'w1', attempt: 1, output: '1', lamport: 3, ...fields });
const compensating = (fields: Partial<TaskRecord> = {}) =>
  succeeded({
    compensation: { status: 'running', attempt: 1, failures: 0, owner: 'w1', leaseUntil: 200 },
    compensationAttempts: 1,
    lamport: 4,
    ...fields,
  });

describe('claimTask', () => {
  it('claims an untouched root, creating its record', () => {
    expect(claimTask(undefined, claim())).toStrictEqual(
      task('a', {
        status: 'running',
        owner: 'w1',
        leaseUntil: 200,
        attempt: 1,
        lamport: 5,
        startedAt: 100,
        events: [ev('task.claimed', 5)],
      }),
    );
  });

  it('claims a pending task once all its dependencies are counted', () => {
    const pending = task('a', { depsDone: ['x', 'y'] });
    expect(claimTask(pending, claim({ depCount: 2 }))?.status).toBe('running');
  });

  it('rejects a pending task with a dependency still missing', () => {
    expect(claimTask(task('a', { depsDone: ['x'] }), claim({ depCount: 2 }))).toBeUndefined();
  });

  it('rejects a dependent that no edge has reached', () => {
    expect(claimTask(undefined, claim({ depCount: 1 }))).toBeUndefined();
  });

  it('rejects a root that has a record already', () => {
    expect(claimTask(task('a'), claim())).toBeUndefined();
  });

  it('claims a due retry and clears its due time', () => {
    const next = claimTask(task('a', { status: 'ready', attempt: 1, dueAt: 100, lamport: 3 }), claim());
    expect(next).toMatchObject({ status: 'running', attempt: 2 });
    expect(next).not.toHaveProperty('dueAt');
  });

  it('rejects a claim of a ready task not yet due', () => {
    expect(claimTask(task('a', { status: 'ready', dueAt: 101 }), claim())).toBeUndefined();
  });

  it('takes over a running attempt whose lease has expired', () => {
    const next = claimTask(running({ leaseUntil: 99 }), claim({ owner: 'w2' }));
    expect(next).toMatchObject({ owner: 'w2', attempt: 2, takeovers: 0 });
  });

  it('rejects a claim of a running attempt still within its lease', () => {
    expect(claimTask(running({ leaseUntil: 100 }), claim())).toBeUndefined();
  });

  it('rejects a claim whose Lamport time is not above the record’s: Lamport times only grow', () => {
    expect(claimTask(task('a', { status: 'ready', lamport: 5 }), claim({ lamport: 5 }))).toBeUndefined();
  });

  it('rejects a claim of a finished task', () => {
    expect(claimTask(succeeded(), claim())).toBeUndefined();
  });
});

describe('attempt outcomes', () => {
  const done = {
    ...fence,
    output: '"ok"',
    now: 150,
    expiresAt: 9,
    lamport: 6,
    event: ev('task.succeeded', 6),
  };

  it('checkpoints the output and clears the lease and an earlier error, keeping the owner', () => {
    const next = checkpoint(running({ error: boom }), done);
    expect(next).toMatchObject({ status: 'succeeded', output: '"ok"', owner: 'w1', lamport: 6 });
    expect(next).not.toHaveProperty('leaseUntil');
    expect(next).not.toHaveProperty('error');
    expect(next?.events).toStrictEqual([ev('task.succeeded', 6)]);
  });

  it('rejects a checkpoint from a stale attempt', () => {
    expect(checkpoint(running({ attempt: 2 }), done)).toBeUndefined();
  });

  it('rejects a checkpoint from another owner', () => {
    expect(checkpoint(running({ owner: 'w2' }), done)).toBeUndefined();
  });

  it('rejects a second checkpoint of the same attempt', () => {
    const once = checkpoint(running(), done);
    expect(checkpoint(once, done)).toBeUndefined();
  });

  it('renews the lease of the holder only', () => {
    expect(renewLease(running(), { ...fence, leaseUntil: 300 })?.leaseUntil).toBe(300);
  });

  it('rejects a lease renewal from a stale attempt', () => {
    expect(renewLease(running({ attempt: 2 }), { ...fence, leaseUntil: 300 })).toBeUndefined();
  });

  it('puts a failed attempt back to ready, unowned, with its error and due time', () => {
    const error = { ...boom, stack: 'at x' };
    const next = retryTask(running(), {
      ...fence,
      error,
      failures: 1,
      dueAt: 500,
      lamport: 6,
      event: ev('r', 6),
    });
    expect(next).toMatchObject({ status: 'ready', dueAt: 500, failures: 1, error: boom });
    expect(next?.error).toStrictEqual(boom);
    expect(next).not.toHaveProperty('owner');
    expect(next).not.toHaveProperty('leaseUntil');
  });

  it('ends a task for good, keeping its owner', () => {
    const next = endTask(running(), {
      ...fence,
      status: 'failed',
      error: boom,
      failures: 3,
      expiresAt: 9,
      lamport: 6,
      event: ev('f', 6),
    });
    expect(next).toMatchObject({ status: 'failed', owner: 'w1', failures: 3, error: boom });
    expect(next).not.toHaveProperty('leaseUntil');
  });

  it('releases a lost attempt and counts the takeover', () => {
    const next = releaseTask(running({ dueAt: 1 }), { ...fence, lamport: 6, event: ev('rel', 6) });
    expect(next).toMatchObject({ status: 'ready', takeovers: 1 });
    for (const field of ['owner', 'leaseUntil', 'dueAt']) expect(next).not.toHaveProperty(field);
  });

  it('rejects a release of an attempt that is no longer the current one', () => {
    expect(
      releaseTask(running({ attempt: 2 }), { ...fence, lamport: 6, event: ev('rel', 6) }),
    ).toBeUndefined();
  });
});

describe('copyEdge', () => {
  const edge = { runId: 'r1', from: 'x', to: 'a', output: '"o"', lamport: 4 };

  it('creates a pending dependent with the copied output and no Lamport time of its own', () => {
    expect(copyEdge(undefined, edge)).toStrictEqual(
      task('a', { depsDone: ['x'], depOutputs: { x: '"o"' }, depLamports: { x: 4 } }),
    );
  });

  it('keeps depsDone sorted', () => {
    const once = copyEdge(undefined, { ...edge, from: 'y' });
    expect(copyEdge(once, edge)?.depsDone).toStrictEqual(['x', 'y']);
  });

  it('rejects a replayed edge, so it counts once', () => {
    expect(copyEdge(copyEdge(undefined, edge), edge)).toBeUndefined();
  });

  it('leaves the status of a dependent that has started alone', () => {
    expect(copyEdge(running(), edge)?.status).toBe('running');
  });

  it('records the dispatch time of the edge that writes last, and drops one it does not bring', () => {
    const first = copyEdge(undefined, { ...edge, from: 'y', dispatchedAt: 10 });
    expect(first?.dispatchedAt).toBe(10);
    expect(copyEdge(first, { ...edge, dispatchedAt: 20 })?.dispatchedAt).toBe(20);
    expect(copyEdge(first, edge)).not.toHaveProperty('dispatchedAt');
  });
});

describe('the dispatch time of a claimable record', () => {
  it('is written by a retry, a release and a compensation dispatch, and cleared by the claims', () => {
    const retried = retryTask(running(), {
      ...fence,
      error: boom,
      failures: 1,
      dueAt: 300,
      dispatchedAt: 300,
      lamport: 6,
      event: ev('retry', 6),
    });
    expect(retried?.dispatchedAt).toBe(300);
    expect(claimTask(retried, claim({ now: 300, lamport: 7 }))).not.toHaveProperty('dispatchedAt');
    const released = releaseTask(running(), { ...fence, dispatchedAt: 150, lamport: 6, event: ev('rel', 6) });
    expect(released?.dispatchedAt).toBe(150);
    const comp = dispatchCompensation(succeeded(), {
      ...ref,
      dispatchedAt: 40,
      lamport: 9,
      event: ev('compensation.ready', 9),
    });
    expect(comp?.compensation?.dispatchedAt).toBe(40);
    const claimed = claimCompensation(comp, {
      ...ref,
      owner: 'w1',
      now: 50,
      leaseUntil: 90,
      lamport: 10,
      event: ev('compensation.claimed', 10),
    });
    expect(claimed?.compensation).not.toHaveProperty('dispatchedAt');
  });
});

describe('claimByEdge', () => {
  const edgeClaim = {
    runId: 'r1',
    from: 'x',
    to: 'a',
    output: '"o"',
    lamport: 4,
    owner: 'w1',
    now: 10,
    leaseUntil: 99,
    claimLamport: 5,
    depCount: 1,
    event: ev('task.claimed', 5),
  };

  it('creates the dependent running for the worker, with the output and attempt 1', () => {
    expect(claimByEdge(undefined, edgeClaim)).toStrictEqual(
      task('a', {
        status: 'running',
        owner: 'w1',
        leaseUntil: 99,
        attempt: 1,
        depsDone: ['x'],
        depOutputs: { x: '"o"' },
        depLamports: { x: 4 },
        lamport: 5,
        startedAt: 10,
        events: [ev('task.claimed', 5)],
      }),
    );
  });

  it('rejects a dependent the rollback skipped first: nothing starts in a stopped run', () => {
    const skipped = skipTask(undefined, { ...ref, lamport: 3, expiresAt: 9, event: ev('task.skipped', 3) });
    expect(claimByEdge(skipped, edgeClaim)).toBeUndefined();
  });

  it('claims a join with its last edge, beside the outputs already counted', () => {
    const first = copyEdge(undefined, { runId: 'r1', from: 'y', to: 'a', output: '"p"', lamport: 3 });
    const claimed = claimByEdge(first, { ...edgeClaim, depCount: 2 });
    expect(claimed).toMatchObject({ status: 'running', owner: 'w1', attempt: 1, depsDone: ['x', 'y'] });
    expect(claimed?.depOutputs).toStrictEqual({ x: '"o"', y: '"p"' });
  });

  it('rejects a join edge while another dependency is missing', () => {
    const first = copyEdge(undefined, { runId: 'r1', from: 'y', to: 'a', output: '"p"', lamport: 3 });
    expect(claimByEdge(first, { ...edgeClaim, depCount: 3 })).toBeUndefined();
  });

  it('claims a join with the edges carried beside its last one, if none of them was counted', () => {
    const carried = [{ from: 'y', output: '"p"', lamport: 3 }];
    const claimed = claimByEdge(undefined, { ...edgeClaim, depCount: 2, carried });
    expect(claimed).toMatchObject({ status: 'running', attempt: 1, depsDone: ['x', 'y'] });
    expect(claimed?.depLamports).toStrictEqual({ x: 4, y: 3 });
    const third = copyEdge(undefined, { runId: 'r1', from: 'z', to: 'a', output: '"q"', lamport: 2 });
    expect(claimByEdge(third, { ...edgeClaim, depCount: 3, carried })?.depsDone).toStrictEqual([
      'x',
      'y',
      'z',
    ]);
    // a carried edge counted meanwhile (the recovery pass redid it): the plain edges sort it out
    const redone = copyEdge(undefined, { runId: 'r1', from: 'y', to: 'a', output: '"p"', lamport: 3 });
    expect(claimByEdge(redone, { ...edgeClaim, depCount: 2, carried })).toBeUndefined();
    expect(claimByEdge(redone, { ...edgeClaim, depCount: 3, carried })).toBeUndefined();
  });

  it('rejects a dependent an earlier edge reached (a replay goes through copyEdge)', () => {
    const reached = copyEdge(undefined, { runId: 'r1', from: 'x', to: 'a', output: '"o"', lamport: 4 });
    expect(claimByEdge(reached, edgeClaim)).toBeUndefined();
  });
});

describe('skipTask and flagStopping', () => {
  const skip = { ...ref, lamport: 7, expiresAt: 9, event: ev('task.skipped', 7) };

  it('skips a task that never started, creating its record', () => {
    expect(skipTask(undefined, skip)).toStrictEqual(
      task('a', { status: 'skipped', lamport: 7, events: [ev('task.skipped', 7)] }),
    );
  });

  it('rejects skipping a task a claim got to first', () => {
    expect(skipTask(running(), skip)).toBeUndefined();
  });

  it('rejects a skip decided on an older read, at a time the task has taken since (a retry made it ready)', () => {
    const retried = task('a', { status: 'ready', lamport: 7 });
    expect(skipTask(retried, skip)).toBeUndefined();
    expect(skipTask(retried, { ...skip, lamport: 8 })?.status).toBe('skipped');
  });

  it('flags a running attempt', () => {
    expect(flagStopping(running(), ref)?.stopping).toBe(true);
  });

  it('rejects flagging a task that is not running', () => {
    expect(flagStopping(task('a'), ref)).toBeUndefined();
  });
});

describe('compensation', () => {
  const dispatch = { ...ref, lamport: 5, event: ev('compensation.dispatched', 5) };
  const claimC = { ...ref, owner: 'w1', now: 100, leaseUntil: 200, lamport: 6, event: ev('c', 6) };

  it('dispatches a succeeded task’s compensation', () => {
    expect(dispatchCompensation(succeeded(), dispatch)).toMatchObject({
      compensation: { status: 'ready', attempt: 0, failures: 0 },
      compensationAttempts: 0,
      lamport: 5,
    });
  });

  it('rejects a second dispatch: a compensation cannot start twice', () => {
    expect(dispatchCompensation(dispatchCompensation(succeeded(), dispatch), dispatch)).toBeUndefined();
  });

  it('rejects dispatching the compensation of a task that did not succeed', () => {
    expect(dispatchCompensation(running(), dispatch)).toBeUndefined();
  });

  it('claims a ready compensation', () => {
    const next = claimCompensation(dispatchCompensation(succeeded(), dispatch), claimC);
    expect(next?.compensation).toStrictEqual({
      status: 'running',
      attempt: 1,
      failures: 0,
      owner: 'w1',
      leaseUntil: 200,
    });
    expect(next?.compensationAttempts).toBe(1);
  });

  it('rejects a claim of a compensation not yet due', () => {
    const waiting = succeeded({ compensation: { status: 'ready', attempt: 1, failures: 1, dueAt: 101 } });
    expect(claimCompensation(waiting, claimC)).toBeUndefined();
  });

  it('rejects a claim of a compensation whose holder’s lease still runs', () => {
    expect(claimCompensation(compensating(), claimC)).toBeUndefined();
  });

  it('rejects a compensation claim whose Lamport time is not above the record’s', () => {
    const ready = succeeded({ compensation: { status: 'ready', attempt: 0, failures: 0 }, lamport: 6 });
    expect(claimCompensation(ready, claimC)).toBeUndefined();
  });

  it('renews the holder’s compensation lease', () => {
    expect(
      renewCompensationLease(compensating(), { ...fence, leaseUntil: 300 })?.compensation?.leaseUntil,
    ).toBe(300);
  });

  it('finishes a compensation, keeping its attempt count and dropping its running state', () => {
    const next = finishCompensation(compensating(), {
      ...fence,
      status: 'compensated',
      lamport: 8,
      expiresAt: 9,
      event: ev('done', 8),
    });
    expect(next).toMatchObject({ status: 'compensated', compensationFinished: 8, compensationAttempts: 1 });
    expect(next).not.toHaveProperty('compensation');
    expect(next).not.toHaveProperty('compensationError');
  });

  it('rejects finishing a compensation from a stale attempt', () => {
    const op = {
      ...fence,
      attempt: 0,
      status: 'compensated' as const,
      lamport: 8,
      expiresAt: 9,
      event: ev('d', 8),
    };
    expect(finishCompensation(compensating(), op)).toBeUndefined();
  });

  it('retries a failed compensation attempt: ready, unowned, due later, with its error', () => {
    const next = retryCompensation(compensating(), {
      ...fence,
      dueAt: 400,
      failures: 1,
      error: boom,
      lamport: 8,
      event: ev('retry', 8),
    });
    expect(next?.compensation).toStrictEqual({ status: 'ready', attempt: 1, failures: 1, dueAt: 400 });
    expect(next?.compensationError).toStrictEqual(boom);
  });

  it('releases a lost compensation attempt', () => {
    const next = releaseCompensation(compensating(), { ...fence, lamport: 8, event: ev('rel', 8) });
    expect(next?.compensation).toStrictEqual({ status: 'ready', attempt: 1, failures: 0 });
  });
});

describe('run transitions', () => {
  const newRun = {
    runId: 'r1',
    workflow: 'w',
    planVersion: 'v1',
    input: 'null',
    inputHash: 'h',
    createdAt: 0,
    event: ev('run.started', 1),
  };
  const final = { runId: 'r1', now: 50, expiresAt: 9, lamport: 9, event: ev('run.succeeded', 9) };

  it('creates a running run whose Lamport time is its first event’s', () => {
    expect(createRun(undefined, newRun)).toStrictEqual(run({ events: [ev('run.started', 1)] }));
  });

  it('rejects creating a run that exists', () => {
    expect(createRun(run(), newRun)).toBeUndefined();
  });

  it('counts a sink once', () => {
    const once = countSink(run(), { runId: 'r1', taskId: 's', lamport: 4 });
    expect(once).toMatchObject({ sinksDone: ['s'], sinkLamports: { s: 4 } });
    expect(countSink(once, { runId: 'r1', taskId: 's', lamport: 4 })).toBeUndefined();
  });

  it('rejects counting a sink on a run that does not exist', () => {
    expect(countSink(undefined, { runId: 'r1', taskId: 's', lamport: 4 })).toBeUndefined();
  });

  it('counts the last sink and succeeds the run in one write', () => {
    const next = countLastSink(run(), { ...final, taskId: 's', sinkLamport: 8 });
    expect(next).toMatchObject({
      status: 'succeeded',
      sinksDone: ['s'],
      sinkLamports: { s: 8 },
      finishedAt: 50,
    });
  });

  it('rejects counting the last sink of a stopping run', () => {
    expect(
      countLastSink(run({ status: 'compensating' }), { ...final, taskId: 's', sinkLamport: 8 }),
    ).toBeUndefined();
  });

  it('finishes a run once every sink is counted', () => {
    const counted = run({ sinksDone: ['s', 't'], sinkLamports: { s: 1, t: 2 } });
    expect(finishRun(counted, { ...final, sinkCount: 2 })?.status).toBe('succeeded');
  });

  it('rejects finishing a run with a sink missing', () => {
    expect(
      finishRun(run({ sinksDone: ['s'], sinkLamports: { s: 1 } }), { ...final, sinkCount: 2 }),
    ).toBeUndefined();
  });

  it('rejects finishing a run with no sink counted, whatever the count', () => {
    expect(finishRun(run(), { ...final, sinkCount: 0 })).toBeUndefined();
  });

  it("finishes a run, or counts its last sink, only at a time after the run's own (an early answer moved it)", () => {
    const answered = run({ lamport: 9, answered: { at: 1, pending: ['s'] } });
    expect(countLastSink(answered, { ...final, taskId: 's', sinkLamport: 7, lamport: 8 })).toBeUndefined();
    const counted = run({ lamport: 9, sinksDone: ['s'], sinkLamports: { s: 7 } });
    expect(finishRun(counted, { ...final, sinkCount: 1, lamport: 8 })).toBeUndefined();
    expect(finishRun(counted, { ...final, sinkCount: 1, lamport: 10 })?.status).toBe('succeeded');
  });

  it("records a sync run's early answer once, while it runs, at a later time", () => {
    const answer = { runId: 'r1', at: 5, pending: ['b'], lamport: 4, event: ev('run.answered', 4) };
    const next = answerRun(run({ lamport: 3 }), answer);
    expect(next).toMatchObject({ answered: { at: 5, pending: ['b'] }, lamport: 4, status: 'running' });
    expect(answerRun(next, { ...answer, lamport: 5 })).toBeUndefined();
    expect(answerRun(run({ lamport: 4 }), answer)).toBeUndefined();
    expect(answerRun(run({ status: 'compensating' }), answer)).toBeUndefined();
  });

  it("pauses a running run only at a time after the run's own (an early answer moved it)", () => {
    const pause = { runId: 'r1', error: boom, lamport: 6, event: ev('run.paused', 6) };
    expect(pauseRun(run({ lamport: 6, answered: { at: 1, pending: ['b'] } }), pause)).toBeUndefined();
    expect(pauseRun(run({ lamport: 5 }), pause)).toMatchObject({ status: 'paused', lamport: 6 });
  });

  it('stops a running run, keeping only the error’s name, message and task', () => {
    const error = { name: 'Boom', message: 'failed', taskId: 'a', stack: 'at x' };
    const next = stopRun(run(), {
      runId: 'r1',
      cause: 'failed',
      error,
      lamport: 5,
      event: ev('run.stopping', 5),
    });
    expect(next).toMatchObject({ status: 'compensating', rollback: 'running', cause: 'failed' });
    expect(next?.error).toStrictEqual({ name: 'Boom', message: 'failed', taskId: 'a' });
  });

  it('rejects stopping a run twice', () => {
    const op = { runId: 'r1', cause: 'cancelled' as const, error: boom, lamport: 5, event: ev('s', 5) };
    expect(stopRun(run({ status: 'compensating' }), op)).toBeUndefined();
  });

  it('ends a rollback', () => {
    const next = finishRollback(run({ status: 'compensating', rollback: 'running' }), {
      ...final,
      status: 'failed',
      rollback: 'completed',
    });
    expect(next).toMatchObject({ status: 'failed', rollback: 'completed', finishedAt: 50 });
  });

  it('rejects ending the rollback of a run that is not rolling back', () => {
    expect(finishRollback(run(), { ...final, status: 'failed', rollback: 'completed' })).toBeUndefined();
  });
});
