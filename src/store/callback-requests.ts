/**
 * Pure builders of the conditional writes of a callback task's wait (the DynamoDB restatement of
 * src/engine/transitions/callback.ts). The token is the fence of a completion: whoever presents it, once.
 */
import type { UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import type {
  AwaitCallbackOp,
  CancelWaitOp,
  CompleteCallbackOp,
  CountMapItemOp,
  HeartbeatCallbackOp,
  OpenCallbackOp,
} from '../engine/operations.ts';
import { FENCED, fencedValues, LAMPORT_GROWS, type OnTable, key as taskItemKey } from './task-requests.ts';
import { APPEND_EVENTS, appendEventValues, conditionalUpdate, dispatchClause } from './update-builder.ts';

/** A completion or heartbeat presents the open token of the current attempt. */
const PRESENTS_TOKEN = '(#st = :running OR #st = :waiting) AND attempt = :attempt AND cbToken = :token';

function tokenValues(op: { token: string; attempt: number }): Record<string, unknown> {
  return { ':running': 'running', ':waiting': 'waiting', ':attempt': op.attempt, ':token': op.token };
}

/** The attempt holding the claim opens its token before its handler runs. */
export function openCallbackRequest(op: OnTable<OpenCallbackOp>): UpdateCommandInput {
  return conditionalUpdate(op.tableName, taskItemKey(op), {
    set: ['cbToken = :token'],
    condition: FENCED,
    values: { ':token': op.token, ...fencedValues(op) },
  });
}

/** The handler is done: `waiting`, unowned, lapsing at `dueAt` (absent: no lapse). */
export function awaitCallbackRequest(op: OnTable<AwaitCallbackOp>): UpdateCommandInput {
  const dispatch = dispatchClause('dispatchedAt', op.dispatchedAt);
  const set = ['#st = :waiting', 'cbToken = :token', 'lamport = :l', APPEND_EVENTS, ...dispatch.set];
  const remove = ['#owner', 'leaseUntil', ...dispatch.remove];
  if (op.dueAt === undefined) remove.push('dueAt');
  else set.push('dueAt = :due');
  if (op.timeoutAt === undefined) remove.push('cbTimeout');
  else set.push('cbTimeout = :timeout');
  // a map's items are recorded with its wait, nothing counted yet but the lanes a redrive kept whole
  // (number sets: an empty one is no attribute)
  const map = op.map;
  if (map !== undefined) {
    set.push('mapItems = :items', 'mapCount = :count', 'mapLanes = :lanes');
    remove.push('mapFailed');
    if (map.lanesDone.length > 0) set.push('lanesDone = :lanesDone');
    else remove.push('lanesDone');
    if (map.kept.length > 0) set.push('mapKept = :kept');
    else remove.push('mapKept');
  }
  return conditionalUpdate(op.tableName, taskItemKey(op), {
    set,
    remove,
    condition: FENCED,
    values: {
      ...dispatch.values,
      ...(map === undefined ? {} : { ':items': map.items, ':count': map.count, ':lanes': map.lanes }),
      ...(map === undefined || map.lanesDone.length === 0 ? {} : { ':lanesDone': new Set(map.lanesDone) }),
      ...(map === undefined || map.kept.length === 0 ? {} : { ':kept': new Set(map.kept) }),
      ':waiting': 'waiting',
      ':token': op.token,
      ':l': op.lamport,
      ...(op.dueAt === undefined ? {} : { ':due': op.dueAt }),
      ...(op.timeoutAt === undefined ? {} : { ':timeout': op.timeoutAt }),
      ...fencedValues(op),
      ...appendEventValues(op.event),
    },
  });
}

/** A completion by token, accepted once: succeeded with its output, ready for a retry, or failed. */
export function completeCallbackRequest(op: OnTable<CompleteCallbackOp>): UpdateCommandInput {
  const done = op.completion;
  const set = ['#st = :status', 'lamport = :l', APPEND_EVENTS];
  const remove = ['#owner', 'leaseUntil', 'cbToken', 'cbTimeout'];
  const values: Record<string, unknown> = {
    ':status': done.status,
    ':l': op.lamport,
    ...tokenValues(op),
    ...appendEventValues(op.event),
  };
  if (done.status === 'succeeded') {
    set.push('#output = :output', 'expiresAt = :expires');
    remove.push('dueAt', '#error', 'dispatchedAt');
    Object.assign(values, { ':output': done.output, ':expires': done.expiresAt });
  } else {
    set.push('#error = :error', 'failures = :failures');
    Object.assign(values, { ':error': done.error, ':failures': done.failures });
    if (done.status === 'ready') {
      const dispatch = dispatchClause('dispatchedAt', done.dispatchedAt);
      set.push('dueAt = :due', ...dispatch.set);
      remove.push(...dispatch.remove);
      Object.assign(values, { ':due': done.dueAt, ...dispatch.values });
    } else {
      set.push('expiresAt = :expires');
      remove.push('dueAt', 'dispatchedAt');
      values[':expires'] = done.expiresAt;
    }
  }
  return conditionalUpdate(op.tableName, taskItemKey(op), {
    set,
    remove,
    condition: `${PRESENTS_TOKEN} AND ${LAMPORT_GROWS}`,
    names: { '#output': 'output', '#error': 'error' },
    values,
  });
}

/**
 * Counts a lane's end and/or a failed item on a waiting map task (number sets, so each is counted once):
 * refused unless the map waits with this token and neither is counted yet.
 */
export function countMapItemRequest(op: OnTable<CountMapItemOp>): UpdateCommandInput {
  const add: string[] = [];
  const clauses = ['#st = :waiting', 'cbToken = :token', 'attribute_exists(mapCount)'];
  const values: Record<string, unknown> = { ':waiting': 'waiting', ':token': op.token };
  if (op.lane !== undefined) {
    add.push('lanesDone :laneSet');
    clauses.push('NOT contains(lanesDone, :lane)');
    Object.assign(values, { ':laneSet': new Set([op.lane]), ':lane': op.lane });
  }
  if (op.failed !== undefined) {
    add.push('mapFailed :failedSet');
    clauses.push('NOT contains(mapFailed, :failed)');
    Object.assign(values, { ':failedSet': new Set([op.failed]), ':failed': op.failed });
  }
  // nothing to count is no write: the condition refuses it
  if (add.length === 0) clauses.push('attribute_not_exists(pk)');
  return conditionalUpdate(op.tableName, taskItemKey(op), {
    set: [],
    add: add.length === 0 ? ['mapCount :zero'] : add,
    condition: clauses.join(' AND '),
    values: add.length === 0 ? { ...values, ':zero': 0 } : values,
  });
}

/** A heartbeat by token: the wait now lapses at `dueAt`. */
export function heartbeatCallbackRequest(op: OnTable<HeartbeatCallbackOp>): UpdateCommandInput {
  return conditionalUpdate(op.tableName, taskItemKey(op), {
    set: ['dueAt = :due'],
    condition: PRESENTS_TOKEN,
    values: { ':due': op.dueAt, ...tokenValues(op) },
  });
}

/** The rollback ends a wait: `cancelled`, the token gone. */
export function cancelWaitRequest(op: OnTable<CancelWaitOp>): UpdateCommandInput {
  return conditionalUpdate(op.tableName, taskItemKey(op), {
    set: ['#st = :cancelled', 'lamport = :l', 'expiresAt = :expires', APPEND_EVENTS],
    remove: ['dueAt', 'cbToken', 'cbTimeout'],
    condition: `#st = :waiting AND ${LAMPORT_GROWS}`,
    values: {
      ':cancelled': 'cancelled',
      ':waiting': 'waiting',
      ':l': op.lamport,
      ':expires': op.expiresAt,
      ...appendEventValues(op.event),
    },
  });
}
