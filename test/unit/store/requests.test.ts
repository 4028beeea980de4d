import { describe, expect, it } from 'vitest';
import { awaitCallbackRequest } from '../../../src/store/callback-requests.ts';
import { redriveRunRequest } from '../../../src/store/redrive-requests.ts';
import {
  countLastSinkRequest,
  countSinkRequest,
  createRunRequest,
  stopRunRequest,
} from '../../../src/store/run-requests.ts';
import {
  checkpointRequest,
  claimByEdgeRequest,
  claimTaskRequest,
  copyEdgeRequest,
  skipTaskRequest,
} from '../../../src/store/task-requests.ts';

const event = { type: 't', lamport: 1, at: '2026-01-01T00:00:00.000Z' };
const joinEdge = {
  tableName: 't',
  runId: 'r',
  from: 'a',
  to: 'j',
  output: '1',
  lamport: 4,
  owner: 'w1',
  now: 10,
  leaseUntil: 20,
  claimLamport: 5,
  depCount: 3,
  event,
};

describe('task request builders', () => {
  it('claims a one-dependency task by its edge only if nothing touched its item', () => {
    const request = claimByEdgeRequest({
      tableName: 't',
      runId: 'r',
      from: 'a',
      to: 'b',
      output: '1',
      lamport: 4,
      owner: 'w1',
      now: 10,
      leaseUntil: 20,
      claimLamport: 5,
      depCount: 1,
      event,
    });
    expect(request.Key).toEqual({ pk: 'RUN#r', sk: 'TASK#b' });
    expect(request.ConditionExpression).toBe('attribute_not_exists(#st)');
    expect(request.UpdateExpression).toContain('#st = :running');
    expect(request.UpdateExpression).toContain('ADD depsDone :deps');
    expect(request.ExpressionAttributeNames).toMatchObject({
      '#o0': 'd:a',
      '#l0': 'l:a',
      '#owner': 'owner',
    });
    expect(request.ReturnValuesOnConditionCheckFailure).toBe('ALL_OLD');
    const join = claimByEdgeRequest(joinEdge);
    expect(join.ConditionExpression).toBe(
      '#st = :pending AND size(depsDone) = :others AND NOT contains(depsDone, :d0) AND attribute_not_exists(held)',
    );
    expect(join.ExpressionAttributeValues).toMatchObject({ ':others': 2, ':d0': 'a' });
  });

  it('claims a join with the edges its worker held back, each copied and counted, none counted before', () => {
    const carried = [{ from: 'c', output: '"c"', lamport: 2 }];
    const join = claimByEdgeRequest({ ...joinEdge, carried });
    expect(join.ConditionExpression).toBe(
      '#st = :pending AND size(depsDone) = :others AND NOT contains(depsDone, :d0) AND ' +
        'NOT contains(depsDone, :d1) AND attribute_not_exists(held)',
    );
    expect(join.ExpressionAttributeNames).toMatchObject({ '#o1': 'd:c', '#l1': 'l:c' });
    expect(join.ExpressionAttributeValues).toMatchObject({
      ':others': 1,
      ':d1': 'c',
      ':o1': '"c"',
      ':e1': 2,
      ':deps': new Set(['a', 'c']),
    });
    // every dependency carried here: the join is claimed only if nothing has touched it
    const whole = claimByEdgeRequest({ ...joinEdge, depCount: 2, carried });
    expect(whole.ConditionExpression).toBe('attribute_not_exists(#st)');
  });

  it('claims a root only if untouched, a retry only when due, a running task only past its lease', () => {
    const root = claimTaskRequest({
      tableName: 't',
      runId: 'r',
      taskId: 'a',
      owner: 'w1',
      now: 100,
      leaseUntil: 200,
      lamport: 2,
      depCount: 0,
      event,
    });
    expect(root.ConditionExpression).toBe(
      '(attribute_not_exists(#st) OR (#st = :ready AND (attribute_not_exists(dueAt) OR dueAt <= :now)) OR ' +
        '(#st = :running AND leaseUntil < :now)) AND attribute_not_exists(held) AND (attribute_not_exists(lamport) OR lamport < :l)',
    );
    expect(root.Key).toEqual({ pk: 'RUN#r', sk: 'TASK#a' });
    expect(root.UpdateExpression).toContain('attempt = if_not_exists(attempt, :zero) + :one');
    expect(root.ReturnValues).toBe('ALL_NEW');
    expect(root.ReturnValuesOnConditionCheckFailure).toBe('ALL_OLD');
    const join = claimTaskRequest({
      ...{ tableName: 't', runId: 'r', taskId: 'j', owner: 'w1' },
      now: 1,
      leaseUntil: 2,
      lamport: 2,
      depCount: 3,
      event,
    });
    expect(join.ConditionExpression).toContain('(#st = :pending AND size(depsDone) = :deps)');
    expect(join.ExpressionAttributeValues?.[':deps']).toBe(3);
  });

  it('fences a checkpoint on the owner and attempt of the claim', () => {
    const request = checkpointRequest({
      tableName: 't',
      runId: 'r',
      taskId: 'a',
      owner: 'w1',
      attempt: 2,
      output: '{}',
      lamport: 3,
      now: 1,
      expiresAt: 2,
      event,
    });
    expect(request.ConditionExpression).toBe('#st = :running AND #owner = :owner AND attempt = :attempt');
    expect(request.ExpressionAttributeValues).toMatchObject({ ':owner': 'w1', ':attempt': 2 });
    expect(request.ExpressionAttributeNames).toMatchObject({
      '#st': 'st',
      '#owner': 'owner',
      '#output': 'output',
    });
  });

  it('counts an edge once, whatever the replays', () => {
    const request = copyEdgeRequest({
      tableName: 't',
      runId: 'r',
      from: 'a',
      to: 'b',
      output: '1',
      lamport: 4,
    });
    expect(request.ConditionExpression).toBe(
      'attribute_not_exists(depsDone) OR NOT contains(depsDone, :depId)',
    );
    expect(request.UpdateExpression).toContain('ADD depsDone :dep');
    expect(request.ExpressionAttributeValues?.[':dep']).toEqual(new Set(['a']));
    expect(request.ExpressionAttributeNames).toMatchObject({ '#out': 'd:a', '#lam': 'l:a' });
  });

  it('sets the dispatch time an edge brings and removes it when the edge brings none', () => {
    const edge = { tableName: 't', runId: 'r', from: 'a', to: 'b', output: '1', lamport: 4 };
    const stamped = copyEdgeRequest({ ...edge, dispatchedAt: 10 });
    expect(stamped.UpdateExpression).toContain('dispatchedAt = :dispatched');
    expect(stamped.UpdateExpression).not.toContain('REMOVE');
    expect(stamped.ExpressionAttributeValues?.[':dispatched']).toBe(10);
    expect(copyEdgeRequest(edge).UpdateExpression).toMatch(/REMOVE dispatchedAt$/);
  });

  it('skips only a task that never started, at a time later than its own', () => {
    const request = skipTaskRequest({
      tableName: 't',
      runId: 'r',
      taskId: 'a',
      lamport: 5,
      expiresAt: 9,
      event,
    });
    expect(request.ConditionExpression).toBe(
      '(attribute_not_exists(#st) OR #st = :pending OR #st = :ready) AND (attribute_not_exists(lamport) OR lamport < :l)',
    );
  });
});

describe('run request builders', () => {
  it('creates a run only if its id is free, indexed as active', () => {
    const request = createRunRequest('t', {
      runId: 'r',
      workflow: 'w',
      planVersion: 'v',
      input: '{}',
      inputHash: 'h',
      createdAt: 0,
      event,
    });
    expect(request.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(request.Item).toMatchObject({
      pk: 'RUN#r',
      sk: 'RUN',
      st: 'running',
      gsi1pk: expect.stringMatching(/^ACTIVE#\d$/),
    });
  });

  it('counts a sink once and stops only a running run', () => {
    expect(
      countSinkRequest({ tableName: 't', runId: 'r', taskId: 's', lamport: 1 }).ConditionExpression,
    ).toBe('attribute_exists(pk) AND (attribute_not_exists(sinksDone) OR NOT contains(sinksDone, :taskId))');
    const stop = stopRunRequest({
      tableName: 't',
      runId: 'r',
      cause: 'cancelled',
      error: { name: 'RunCancelled', message: 'm' },
      lamport: 2,
      event,
    });
    expect(stop.ConditionExpression).toBe(
      '(#st = :running OR #st = :paused) AND (attribute_not_exists(lamport) OR lamport < :l)',
    );
    expect(stop.ExpressionAttributeNames).toMatchObject({ '#rollback': 'rollback', '#error': 'error' });
  });

  it('finishes a single-sink run with the sink count, only while it is running and at a later time', () => {
    const request = countLastSinkRequest({
      tableName: 't',
      runId: 'r',
      taskId: 's',
      sinkLamport: 7,
      lamport: 8,
      now: 1,
      expiresAt: 2,
      event,
    });
    expect(request.ConditionExpression).toBe(
      '#st = :running AND (attribute_not_exists(sinksDone) OR NOT contains(sinksDone, :taskId)) AND (attribute_not_exists(lamport) OR lamport < :l)',
    );
    expect(request.UpdateExpression).toContain('REMOVE gsi1pk, gsi1sk');
    expect(request.ExpressionAttributeValues).toMatchObject({ ':succeeded': 'succeeded', ':sl': 7, ':l': 8 });
  });
});

describe('map redrive request builders', () => {
  const wait = {
    tableName: 't',
    runId: 'r',
    taskId: 'fan',
    owner: 'w1',
    attempt: 2,
    token: 'map~2',
    lamport: 9,
    event,
  };

  it('records a redriven map’s kept items and the lanes they fill with its wait', () => {
    const kept = awaitCallbackRequest({
      ...wait,
      map: { items: '[1,2,3]', count: 3, lanes: 2, kept: [0, 2], lanesDone: [0] },
    });
    expect(kept.UpdateExpression).toContain('lanesDone = :lanesDone');
    expect(kept.UpdateExpression).toContain('mapKept = :kept');
    expect(kept.ExpressionAttributeValues?.[':kept']).toEqual(new Set([0, 2]));
    // a first start keeps nothing: no empty number set, the old counts removed
    const fresh = awaitCallbackRequest({
      ...wait,
      map: { items: '[1,2,3]', count: 3, lanes: 2, kept: [], lanesDone: [] },
    });
    expect(fresh.UpdateExpression).toMatch(/REMOVE .*mapFailed.*lanesDone.*mapKept/);
    expect(fresh.ExpressionAttributeValues).not.toHaveProperty(':kept');
  });

  it('records the maps a redrive runs again whole, and clears them on a redrive without any', () => {
    const op = { tableName: 't', runId: 'r', redrive: 2, reset: ['fan'], dropSinks: [], lamport: 7, event };
    const from = redriveRunRequest({ ...op, rerunMaps: ['fan'] });
    expect(from.UpdateExpression).toContain('rerunMaps = :rerun');
    expect(from.ConditionExpression).toContain('redrives = :previous');
    expect(redriveRunRequest({ ...op, rerunMaps: [] }).UpdateExpression).toMatch(/REMOVE .*rerunMaps/);
  });
});
