/**
 * Pure builders of the conditional writes that drive a compensation. Its state lives on the task's item
 * (`cst`, `cattempt`, `cowner`, ...), beside the output it undoes.
 */
import type { UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import type {
  ClaimCompensationOp,
  DispatchCompensationOp,
  Fence,
  FinishCompensationOp,
  ReleaseTaskOp,
  RenewLeaseOp,
  RetryCompensationOp,
} from '../engine/operations.ts';
import { runPk, taskSk } from './item-layout.ts';
import type { OnTable, TaskKey } from './task-requests.ts';
import { APPEND_EVENTS, appendEventValues, conditionalUpdate, dispatchClause } from './update-builder.ts';

const key = (k: TaskKey) => ({ pk: runPk(k.runId), sk: taskSk(k.taskId) });
/** Only the compensation attempt holding the claim may write its outcome. */
const FENCED = '#st = :succeeded AND cst = :running AND cowner = :owner AND cattempt = :attempt';

/** The values {@link FENCED} reads. */
function fencedValues(k: Fence): Record<string, unknown> {
  return { ':succeeded': 'succeeded', ':running': 'running', ':owner': k.owner, ':attempt': k.attempt };
}

/** The rollback starts a succeeded task's compensation; refused if it was already started. */
export function dispatchCompensationRequest(k: OnTable<DispatchCompensationOp>): UpdateCommandInput {
  const dispatch = dispatchClause('cdispatched', k.dispatchedAt);
  return conditionalUpdate(k.tableName, key(k), {
    set: [
      'cst = :ready',
      'cattempt = :zero',
      'cfailures = :zero',
      'lamport = :l',
      APPEND_EVENTS,
      ...dispatch.set,
    ],
    remove: dispatch.remove,
    condition: '#st = :succeeded AND attribute_not_exists(cst)',
    values: {
      ...dispatch.values,
      ':ready': 'ready',
      ':zero': 0,
      ':l': k.lamport,
      ':succeeded': 'succeeded',
      ...appendEventValues(k.event),
    },
  });
}

/** Claims a compensation attempt: ready and due, or running with an expired lease. */
export function claimCompensationRequest(k: OnTable<ClaimCompensationOp>): UpdateCommandInput {
  return conditionalUpdate(k.tableName, key(k), {
    set: [
      'cst = :running',
      'cowner = :owner',
      'clease = :lease',
      'cattempt = if_not_exists(cattempt, :zero) + :one',
      'lamport = :l',
      APPEND_EVENTS,
    ],
    remove: ['cdue', 'cdispatched'],
    condition:
      '#st = :succeeded AND ((cst = :ready AND (attribute_not_exists(cdue) OR cdue <= :now)) OR ' +
      '(cst = :running AND clease < :now)) AND (attribute_not_exists(lamport) OR lamport < :l)',
    values: {
      ':running': 'running',
      ':ready': 'ready',
      ':succeeded': 'succeeded',
      ':owner': k.owner,
      ':lease': k.leaseUntil,
      ':now': k.now,
      ':zero': 0,
      ':one': 1,
      ':l': k.lamport,
      ...appendEventValues(k.event),
    },
  });
}

/** Extends the lease of the compensation attempt holding the claim. */
export function renewCompensationLeaseRequest(k: OnTable<RenewLeaseOp>): UpdateCommandInput {
  return conditionalUpdate(k.tableName, key(k), {
    set: ['clease = :lease'],
    condition: FENCED,
    values: {
      ':lease': k.leaseUntil,
      ...fencedValues(k),
    },
  });
}

/** Ends a compensation for good: `compensated`, or `compensation_failed` with its error. */
export function finishCompensationRequest(k: OnTable<FinishCompensationOp>): UpdateCommandInput {
  return conditionalUpdate(k.tableName, key(k), {
    set: [
      '#st = :status',
      'cfinished = :l',
      'lamport = :l',
      'expiresAt = :expires',
      ...(k.error ? ['cerror = :error'] : []),
      APPEND_EVENTS,
    ],
    remove: ['cst', 'cowner', 'clease', 'cdispatched'],
    condition: FENCED,
    values: {
      ':status': k.status,
      ':l': k.lamport,
      ':expires': k.expiresAt,
      ...(k.error ? { ':error': k.error } : {}),
      ...fencedValues(k),
      ...appendEventValues(k.event),
    },
  });
}

/** A failed compensation attempt with attempts left: ready again, due after the backoff. */
export function retryCompensationRequest(k: OnTable<RetryCompensationOp>): UpdateCommandInput {
  const dispatch = dispatchClause('cdispatched', k.dispatchedAt);
  return conditionalUpdate(k.tableName, key(k), {
    set: [
      'cst = :ready',
      'cdue = :due',
      'cfailures = :failures',
      'cerror = :error',
      'lamport = :l',
      APPEND_EVENTS,
      ...dispatch.set,
    ],
    remove: ['cowner', 'clease', ...dispatch.remove],
    condition: FENCED,
    values: {
      ...dispatch.values,
      ':ready': 'ready',
      ':due': k.dueAt,
      ':failures': k.failures,
      ':error': k.error,
      ':l': k.lamport,
      ...fencedValues(k),
      ...appendEventValues(k.event),
    },
  });
}

/** Takes a lost compensation attempt back to `ready`, fenced on that attempt. */
export function releaseCompensationRequest(k: OnTable<ReleaseTaskOp>): UpdateCommandInput {
  const dispatch = dispatchClause('cdispatched', k.dispatchedAt);
  return conditionalUpdate(k.tableName, key(k), {
    set: ['cst = :ready', 'lamport = :l', APPEND_EVENTS, ...dispatch.set],
    remove: ['cowner', 'clease', 'cdue', ...dispatch.remove],
    condition: FENCED,
    values: {
      ...dispatch.values,
      ':ready': 'ready',
      ':l': k.lamport,
      ...fencedValues(k),
      ...appendEventValues(k.event),
    },
  });
}
