/**
 * Pure builders of the conditional writes on task items. Each names its precondition: that is what makes
 * duplicate deliveries, stale attempts and lost races harmless.
 */
import type { UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import type {
  CheckpointOp,
  ClaimByEdgeOp,
  ClaimTaskOp,
  CopyEdgeOp,
  EndTaskOp,
  Fence,
  ReleaseTaskOp,
  RenewLeaseOp,
  RetryTaskOp,
  SkipTaskOp,
  SleepTaskOp,
  TaskRefOp,
} from '../engine/operations.ts';
import { depLamportAttr, depOutputAttr, runPk, taskSk } from './item-layout.ts';
import { APPEND_EVENTS, appendEventValues, conditionalUpdate, dispatchClause } from './update-builder.ts';

/** An operation addressed to one table. */
export type OnTable<T> = T & { readonly tableName: string };
export type TaskKey = OnTable<TaskRefOp>;

export const key = (k: TaskKey) => ({ pk: runPk(k.runId), sk: taskSk(k.taskId) });
/** Only the attempt that holds the claim may write its outcome (fencing). */
export const FENCED = '#st = :running AND #owner = :owner AND attempt = :attempt';

/** The values {@link FENCED} reads. */
export function fencedValues(k: Fence): Record<string, unknown> {
  return { ':running': 'running', ':owner': k.owner, ':attempt': k.attempt };
}

/** Lamport times on one item only grow. */
export const LAMPORT_GROWS = '(attribute_not_exists(lamport) OR lamport < :l)';

/**
 * Claims a task for one attempt: a root nobody has touched, a pending task whose dependencies are all
 * counted, a ready task that is due, or a running task whose lease has expired (its worker is presumed
 * dead). Sets the owner, the lease and attempt + 1; returns the item with the copied dependency outputs.
 */
export function claimTaskRequest(c: OnTable<ClaimTaskOp>): UpdateCommandInput {
  const claimable = [
    c.depCount === 0 ? 'attribute_not_exists(#st)' : '(#st = :pending AND size(depsDone) = :deps)',
    '(#st = :ready AND (attribute_not_exists(dueAt) OR dueAt <= :now))',
    '(#st = :running AND leaseUntil < :now)',
  ];
  return conditionalUpdate(c.tableName, key(c), {
    set: [
      '#st = :running',
      '#owner = :owner',
      'leaseUntil = :lease',
      'attempt = if_not_exists(attempt, :zero) + :one',
      'lamport = :l',
      'taskId = :taskId',
      'startedAt = :now',
      APPEND_EVENTS,
    ],
    remove: ['dueAt', 'cbToken', 'cbTimeout', 'dispatchedAt'],
    condition: `(${claimable.join(' OR ')}) AND attribute_not_exists(held) AND ${LAMPORT_GROWS}`,
    values: {
      ':running': 'running',
      ':ready': 'ready',
      ...(c.depCount === 0 ? {} : { ':pending': 'pending', ':deps': c.depCount }),
      ':owner': c.owner,
      ':lease': c.leaseUntil,
      ':now': c.now,
      ':zero': 0,
      ':one': 1,
      ':l': c.lamport,
      ':taskId': c.taskId,
      ...appendEventValues(c.event, c.before),
    },
  });
}

/** Extends the lease of the attempt that holds the claim. */
export function renewLeaseRequest(k: OnTable<RenewLeaseOp>): UpdateCommandInput {
  return conditionalUpdate(k.tableName, key(k), {
    set: ['leaseUntil = :lease'],
    condition: FENCED,
    values: { ':lease': k.leaseUntil, ...fencedValues(k) },
  });
}

/** Records a succeeded attempt's output: refused unless this attempt still holds the claim. */
export function checkpointRequest(c: OnTable<CheckpointOp>): UpdateCommandInput {
  return conditionalUpdate(c.tableName, key(c), {
    set: [
      '#st = :succeeded',
      '#output = :output',
      'lamport = :l',
      'finishedAt = :now',
      'expiresAt = :expires',
      APPEND_EVENTS,
    ],
    remove: ['leaseUntil', '#error'],
    condition: FENCED,
    names: { '#output': 'output', '#error': 'error' },
    values: {
      ':succeeded': 'succeeded',
      ':output': c.output,
      ':l': c.lamport,
      ':now': c.now,
      ':expires': c.expiresAt,
      ...fencedValues(c),
      ...appendEventValues(c.event),
    },
  });
}

/** A sleep starts: back to `ready`, unowned, not claimable before its wake time (`dueAt`). */
export function sleepTaskRequest(r: OnTable<SleepTaskOp>): UpdateCommandInput {
  const dispatch = dispatchClause('dispatchedAt', r.dispatchedAt);
  return conditionalUpdate(r.tableName, key(r), {
    set: ['#st = :ready', 'dueAt = :due', 'lamport = :l', APPEND_EVENTS, ...dispatch.set],
    remove: ['#owner', 'leaseUntil', ...dispatch.remove],
    condition: FENCED,
    values: {
      ...dispatch.values,
      ':ready': 'ready',
      ':due': r.dueAt,
      ':l': r.lamport,
      ...fencedValues(r),
      ...appendEventValues(r.event),
    },
  });
}

/** A failed attempt with attempts left: back to `ready`, not claimable before `dueAt`. */
export function retryTaskRequest(r: OnTable<RetryTaskOp>): UpdateCommandInput {
  const dispatch = dispatchClause('dispatchedAt', r.dispatchedAt);
  return conditionalUpdate(r.tableName, key(r), {
    set: [
      '#st = :ready',
      'dueAt = :due',
      '#error = :error',
      'failures = :failures',
      'lamport = :l',
      APPEND_EVENTS,
      ...dispatch.set,
    ],
    remove: ['#owner', 'leaseUntil', ...dispatch.remove],
    condition: FENCED,
    names: { '#error': 'error' },
    values: {
      ...dispatch.values,
      ':ready': 'ready',
      ':due': r.dueAt,
      ':error': r.error,
      ':failures': r.failures,
      ':l': r.lamport,
      ...fencedValues(r),
      ...appendEventValues(r.event),
    },
  });
}

/**
 * Ends the task for good from its attempt: `failed` (with the error), or `skipped` (its condition was
 * false, or every dependency was skipped), which clears any earlier attempt's error.
 */
export function endTaskRequest(r: OnTable<EndTaskOp>): UpdateCommandInput {
  const error = r.error === undefined ? [] : ['#error = :error'];
  return conditionalUpdate(r.tableName, key(r), {
    set: [
      '#st = :status',
      ...error,
      'failures = :failures',
      'lamport = :l',
      'expiresAt = :expires',
      APPEND_EVENTS,
    ],
    remove: r.error === undefined ? ['leaseUntil', '#error'] : ['leaseUntil'],
    condition: FENCED,
    names: { '#error': 'error' },
    values: {
      ':status': r.status,
      ...(r.error === undefined ? {} : { ':error': r.error }),
      ':failures': r.failures,
      ':l': r.lamport,
      ':expires': r.expiresAt,
      ...fencedValues(r),
      ...appendEventValues(r.event),
    },
  });
}

/**
 * Copies a succeeded dependency's output onto its dependent and counts it in `depsDone`. The guard makes
 * a replayed edge (redelivery, recovery) count once; the returned item shows whether the set is complete.
 */
export function copyEdgeRequest(e: OnTable<CopyEdgeOp>): UpdateCommandInput {
  // the edge that completes the set is the last to write the dispatch time: its dispatch is the one that counts
  const dispatch = dispatchClause('dispatchedAt', e.dispatchedAt);
  return conditionalUpdate(
    e.tableName,
    { pk: runPk(e.runId), sk: taskSk(e.to) },
    {
      set: [
        '#out = :output',
        '#lam = :l',
        '#st = if_not_exists(#st, :pending)',
        'taskId = :taskId',
        ...dispatch.set,
      ],
      add: ['depsDone :dep'],
      remove: dispatch.remove,
      condition: 'attribute_not_exists(depsDone) OR NOT contains(depsDone, :depId)',
      names: { '#out': depOutputAttr(e.from), '#lam': depLamportAttr(e.from) },
      values: {
        ...dispatch.values,
        ':output': e.output,
        ':l': e.lamport,
        ':pending': 'pending',
        ':taskId': e.to,
        ':dep': new Set([e.from]),
        ':depId': e.from,
      },
    },
  );
}

/**
 * The last edge into a task (with the edges its worker held back for it) that also claims it for the worker
 * that will continue with it: a task none of whose dependencies is counted yet must be untouched (a
 * rollback's skip, or an earlier edge, wins) and is created running; a join must be pending with every
 * other dependency counted and none of these.
 */
export function claimByEdgeRequest(e: OnTable<ClaimByEdgeOp>): UpdateCommandInput {
  const edges = [e, ...(e.carried ?? [])];
  const before = e.depCount - edges.length;
  // one output and checkpoint time per edge, under names of their own: #o0/:o0 is this edge's
  const copies = edges.map((_, i) => `#o${i} = :o${i}, #l${i} = :e${i}`);
  const names = Object.fromEntries(
    edges.flatMap((edge, i) => [
      [`#o${i}`, depOutputAttr(edge.from)],
      [`#l${i}`, depLamportAttr(edge.from)],
    ]),
  );
  const copied = Object.fromEntries(
    edges.flatMap((edge, i) => [
      [`:o${i}`, edge.output],
      [`:e${i}`, edge.lamport],
    ]),
  );
  const uncounted = edges.map((_, i) => `NOT contains(depsDone, :d${i})`).join(' AND ');
  return conditionalUpdate(
    e.tableName,
    { pk: runPk(e.runId), sk: taskSk(e.to) },
    {
      set: [
        ...copies,
        '#st = :running',
        '#owner = :owner',
        'leaseUntil = :lease',
        'attempt = if_not_exists(attempt, :zero) + :one',
        'lamport = :l',
        'taskId = :taskId',
        'startedAt = :now',
        'events = list_append(if_not_exists(events, :empty), :ev)',
      ],
      add: ['depsDone :deps'],
      remove: ['dispatchedAt'],
      condition:
        before === 0
          ? // untouched: nothing (skip, edge, claim) has written the item yet
            'attribute_not_exists(#st)'
          : // the edges that complete a join: every other dependency counted, these not
            `#st = :pending AND size(depsDone) = :others AND ${uncounted} AND attribute_not_exists(held)`,
      names,
      values: {
        ...copied,
        ':running': 'running',
        ':owner': e.owner,
        ':lease': e.leaseUntil,
        ':one': 1,
        ':l': e.claimLamport,
        ':taskId': e.to,
        ':now': e.now,
        ':ev': [e.event],
        ':empty': [],
        ':zero': 0,
        ':deps': new Set(edges.map((edge) => edge.from)),
        ...(before === 0
          ? {}
          : {
              ':pending': 'pending',
              ':others': before,
              ...Object.fromEntries(edges.map((edge, i) => [`:d${i}`, edge.from])),
            }),
      },
    },
  );
}

/** The rollback marks a task that never started as `skipped`; refused if a claim got there first. */
export function skipTaskRequest(k: OnTable<SkipTaskOp>): UpdateCommandInput {
  return conditionalUpdate(k.tableName, key(k), {
    set: ['#st = :skipped', 'taskId = :taskId', 'lamport = :l', 'expiresAt = :expires', APPEND_EVENTS],
    condition: `(attribute_not_exists(#st) OR #st = :pending OR #st = :ready) AND ${LAMPORT_GROWS}`,
    values: {
      ':skipped': 'skipped',
      ':taskId': k.taskId,
      ':l': k.lamport,
      ':expires': k.expiresAt,
      ':pending': 'pending',
      ':ready': 'ready',
      ...appendEventValues(k.event),
    },
  });
}

/** Tells a running attempt that its run is stopping, so the end of the attempt wakes the rollback. */
export function flagStoppingRequest(k: TaskKey): UpdateCommandInput {
  return conditionalUpdate(k.tableName, key(k), {
    set: ['stopping = :true'],
    condition: '#st = :running OR #st = :waiting',
    values: { ':true': true, ':running': 'running', ':waiting': 'waiting' },
  });
}

/** Takes a lost attempt (dead owner, expired lease) back to `ready`, fenced on that very attempt. */
export function releaseTaskRequest(k: OnTable<ReleaseTaskOp>): UpdateCommandInput {
  const dispatch = dispatchClause('dispatchedAt', k.dispatchedAt);
  return conditionalUpdate(k.tableName, key(k), {
    set: [
      '#st = :ready',
      'takeovers = if_not_exists(takeovers, :zero) + :one',
      'lamport = :l',
      APPEND_EVENTS,
      ...dispatch.set,
    ],
    remove: ['#owner', 'leaseUntil', 'dueAt', ...dispatch.remove],
    condition: FENCED,
    values: {
      ...dispatch.values,
      ':ready': 'ready',
      ':zero': 0,
      ':one': 1,
      ':l': k.lamport,
      ...fencedValues(k),
      ...appendEventValues(k.event),
    },
  });
}
