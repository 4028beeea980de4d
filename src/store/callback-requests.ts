/**
 * Pure builders of the conditional writes of a callback task's wait (the DynamoDB restatement of
 * src/engine/transitions/callback.ts). The token is the fence of a completion: whoever presents it, once.
 */
import type { UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import type {
  AwaitCallbackOp,
  CancelWaitOp,
  CompleteCallbackOp,
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
  return conditionalUpdate(op.tableName, taskItemKey(op), {
    set,
    remove,
    condition: FENCED,
    values: {
      ...dispatch.values,
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
