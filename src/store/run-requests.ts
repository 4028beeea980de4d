/** Pure builders of the writes on a run's own item. */
import type { PutCommandInput, UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import type {
  AnswerRunOp,
  CountLastSinkOp,
  CountSinkOp,
  FinishRollbackOp,
  FinishRunOp,
  NewRunOp,
  RevertRunOp,
  StopRunOp,
} from '../engine/operations.ts';
import type { RunRecord, StopCause, StoredEvent } from '../engine/types.ts';
import { activeShard, RUN_SK, runPk, sinkLamportAttr } from './item-layout.ts';
import type { OnTable } from './task-requests.ts';
import { LAMPORT_GROWS } from './task-requests.ts';
import { APPEND_EVENTS, appendEventValues, conditionalUpdate } from './update-builder.ts';

interface RunKey {
  readonly tableName: string;
  readonly runId: string;
}

export const runKey = (k: RunKey) => ({ pk: runPk(k.runId), sk: RUN_SK });

/**
 * Creates a run, only if no run has that id: a duplicate submission loses the race and learns the
 * existing run. The run is indexed as active (sparse GSI) until it is final.
 */
export function createRunRequest(tableName: string, run: NewRunOp): PutCommandInput {
  return {
    TableName: tableName,
    Item: {
      ...runKey({ tableName, runId: run.runId }),
      runId: run.runId,
      workflow: run.workflow,
      planVersion: run.planVersion,
      input: run.input,
      inputHash: run.inputHash,
      st: 'running' satisfies RunRecord['status'],
      rollback: 'none' satisfies RunRecord['rollback'],
      lamport: run.event.lamport,
      createdAt: run.createdAt,
      gsi1pk: activeShard(run.runId),
      gsi1sk: `${new Date(run.createdAt).toISOString()}#${run.runId}`,
      events: [run.event],
      ...(run.idempotencyKey ? { idempotencyKey: run.idempotencyKey } : {}),
      ...(run.parent ? { parent: { runId: run.parent.runId, taskId: run.parent.taskId } } : {}),
      ...(run.dispatchedAt === undefined ? {} : { dispatchedAt: run.dispatchedAt }),
    },
    ConditionExpression: 'attribute_not_exists(pk)',
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  };
}

/** Counts a succeeded sink on its run, once: a replayed count is refused by the guard. */
export function countSinkRequest(k: OnTable<CountSinkOp>): UpdateCommandInput {
  return conditionalUpdate(k.tableName, runKey(k), {
    set: ['#lam = :l'],
    add: ['sinksDone :sink'],
    condition:
      'attribute_exists(pk) AND (attribute_not_exists(sinksDone) OR NOT contains(sinksDone, :taskId))',
    names: { '#lam': sinkLamportAttr(k.taskId) },
    values: { ':l': k.lamport, ':sink': new Set([k.taskId]), ':taskId': k.taskId },
  });
}

/**
 * The only sink of a plan succeeded: count it and mark the run succeeded in one write, if the run is still
 * running (a stopping run is left to its rollback) and the sink was not counted before.
 */
export function countLastSinkRequest(k: OnTable<CountLastSinkOp>): UpdateCommandInput {
  return conditionalUpdate(k.tableName, runKey(k), {
    set: [
      '#lam = :sl',
      '#st = :succeeded',
      'finishedAt = :now',
      'expiresAt = :expires',
      'lamport = :l',
      APPEND_EVENTS,
    ],
    add: ['sinksDone :sink'],
    remove: ['gsi1pk', 'gsi1sk'],
    condition: `#st = :running AND (attribute_not_exists(sinksDone) OR NOT contains(sinksDone, :taskId)) AND ${LAMPORT_GROWS}`,
    names: { '#lam': sinkLamportAttr(k.taskId) },
    values: {
      ':sl': k.sinkLamport,
      ':succeeded': 'succeeded',
      ':running': 'running',
      ':now': k.now,
      ':expires': k.expiresAt,
      ':l': k.lamport,
      ':sink': new Set([k.taskId]),
      ':taskId': k.taskId,
      ...appendEventValues(k.event),
    },
  });
}

/** Marks a running run succeeded once every sink is counted; it leaves the active index. */
export function finishRunRequest(k: OnTable<FinishRunOp>): UpdateCommandInput {
  return conditionalUpdate(k.tableName, runKey(k), {
    set: ['#st = :succeeded', 'finishedAt = :now', 'expiresAt = :expires', 'lamport = :l', APPEND_EVENTS],
    remove: ['gsi1pk', 'gsi1sk'],
    condition: `#st = :running AND size(sinksDone) = :sinks AND ${LAMPORT_GROWS}`,
    values: {
      ':succeeded': 'succeeded',
      ':running': 'running',
      ':sinks': k.sinkCount,
      ':now': k.now,
      ':expires': k.expiresAt,
      ':l': k.lamport,
      ...appendEventValues(k.event),
    },
  });
}

/** What every start of a rollback writes on the run: compensating, the rollback running, its cause and error. */
function rollbackStart(k: {
  cause: StopCause;
  error: StopRunOp['error'];
  lamport: number;
  event: StoredEvent;
}) {
  return {
    set: [
      '#st = :compensating',
      '#rollback = :rb',
      'cause = :cause',
      '#error = :error',
      'lamport = :l',
      APPEND_EVENTS,
    ],
    names: { '#error': 'error', '#rollback': 'rollback' },
    values: {
      ':compensating': 'compensating',
      ':rb': 'running',
      ':cause': k.cause,
      ':error': k.error,
      ':l': k.lamport,
      ...appendEventValues(k.event),
    },
  };
}

/** Stops a running run (a task failed for good, a cancel, a timeout): no task starts from now on. */
export function stopRunRequest(k: OnTable<StopRunOp>): UpdateCommandInput {
  const start = rollbackStart(k);
  return conditionalUpdate(k.tableName, runKey(k), {
    ...start,
    // a stop computed from an older read must not reuse a Lamport time the run has taken since
    condition: `(#st = :running OR #st = :paused) AND ${LAMPORT_GROWS}`,
    values: { ...start.values, ':running': 'running', ':paused': 'paused' },
  });
}

/** Reopens a succeeded child run for its rollback: compensating, and back in the index of active runs. */
export function revertRunRequest(k: OnTable<RevertRunOp>): UpdateCommandInput {
  const start = rollbackStart({ ...k, cause: 'cancelled' });
  return conditionalUpdate(k.tableName, runKey(k), {
    ...start,
    set: [...start.set, 'gsi1pk = :shard', 'gsi1sk = :since'],
    remove: ['finishedAt', 'expiresAt'],
    condition: '#st = :succeeded',
    values: {
      ...start.values,
      ':shard': activeShard(k.runId),
      ':since': `${new Date(k.createdAt).toISOString()}#${k.runId}`,
      ':succeeded': 'succeeded',
    },
  });
}

/** A running sync run records its early answer, once (the rollback then undoes only what still ran). */
export function answerRunRequest(k: OnTable<AnswerRunOp>): UpdateCommandInput {
  return conditionalUpdate(k.tableName, runKey(k), {
    set: ['answered = :answered', 'lamport = :l', APPEND_EVENTS],
    condition: `#st = :running AND attribute_not_exists(answered) AND ${LAMPORT_GROWS}`,
    values: {
      ':running': 'running',
      ':answered': { at: k.at, pending: [...k.pending] },
      ':l': k.lamport,
      ...appendEventValues(k.event),
    },
  });
}

/** Ends a stopped run once the Saga has settled every task; it leaves the active index. */
export function finishRollbackRequest(k: OnTable<FinishRollbackOp>): UpdateCommandInput {
  return conditionalUpdate(k.tableName, runKey(k), {
    set: [
      '#st = :status',
      '#rollback = :rb',
      'finishedAt = :now',
      'expiresAt = :expires',
      'lamport = :l',
      APPEND_EVENTS,
    ],
    remove: ['gsi1pk', 'gsi1sk'],
    condition: '#st = :compensating',
    names: { '#rollback': 'rollback' },
    values: {
      ':status': k.status,
      ':rb': k.rollback,
      ':compensating': 'compensating',
      ':now': k.now,
      ':expires': k.expiresAt,
      ':l': k.lamport,
      ...appendEventValues(k.event),
    },
  });
}
