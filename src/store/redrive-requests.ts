/**
 * Pure builders of the writes of `on_failure: pause` (the DynamoDB restatement of
 * src/engine/transitions/redrive.ts): the pause, the holds, the redrive, its releases and resets.
 */
import type { UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import type {
  HoldTaskOp,
  PauseRunOp,
  RedriveRunOp,
  ReleaseHoldOp,
  ResetTaskOp,
  TaskRefOp,
} from '../engine/operations.ts';
import { depLamportAttr, depOutputAttr, sinkLamportAttr } from './item-layout.ts';
import { runKey } from './run-requests.ts';
import { LAMPORT_GROWS, type OnTable, key as taskItemKey } from './task-requests.ts';
import { APPEND_EVENTS, appendEventValues, conditionalUpdate } from './update-builder.ts';

/** A running run pauses with its error; it stays in the active index (the recovery pass looks after it). */
export function pauseRunRequest(op: OnTable<PauseRunOp>): UpdateCommandInput {
  return conditionalUpdate(op.tableName, runKey(op), {
    set: ['#st = :paused', '#error = :error', 'lamport = :l', APPEND_EVENTS],
    remove: ['cause'],
    condition: `#st = :running AND ${LAMPORT_GROWS}`,
    names: { '#error': 'error' },
    values: {
      ':paused': 'paused',
      ':running': 'running',
      ':error': op.error,
      ':l': op.lamport,
      ...appendEventValues(op.event),
    },
  });
}

/** A paused run goes on: the redrive's number, the tasks it resets, the reset sinks uncounted, maybe a new input. */
export function redriveRunRequest(op: OnTable<RedriveRunOp>): UpdateCommandInput {
  const names: Record<string, string> = { '#error': 'error', '#input': 'input' };
  const remove = ['#error', 'cause'];
  op.dropSinks.forEach((taskId, i) => {
    names[`#s${i}`] = sinkLamportAttr(taskId);
    remove.push(`#s${i}`);
  });
  const set = ['#st = :running', 'redrives = :n', 'resetTasks = :reset', 'lamport = :l', APPEND_EVENTS];
  if (op.input !== undefined) set.push('#input = :input', 'inputHash = :hash');
  if (op.rerunMaps.length > 0) set.push('rerunMaps = :rerun');
  else remove.push('rerunMaps');
  return conditionalUpdate(op.tableName, runKey(op), {
    set,
    remove,
    ...(op.dropSinks.length > 0 ? { delete: ['sinksDone :drop'] } : {}),
    // the first redrive finds none recorded; a later one, the one before it
    condition: `#st = :paused AND ${op.redrive === 1 ? 'attribute_not_exists(redrives)' : 'redrives = :previous'} AND (attribute_not_exists(lamport) OR lamport < :l)`,
    names,
    values: {
      ':running': 'running',
      ':paused': 'paused',
      ':n': op.redrive,
      ...(op.redrive === 1 ? {} : { ':previous': op.redrive - 1 }),
      ':reset': [...op.reset].sort(),
      ...(op.rerunMaps.length > 0 ? { ':rerun': [...op.rerunMaps].sort() } : {}),
      ':l': op.lamport,
      ...(op.input === undefined ? {} : { ':input': op.input, ':hash': op.inputHash }),
      ...(op.dropSinks.length > 0 ? { ':drop': new Set(op.dropSinks) } : {}),
      ...appendEventValues(op.event),
    },
  });
}

/** Holds a task that has not started, creating its item (pending) if it has none. */
export function holdTaskRequest(op: OnTable<HoldTaskOp>): UpdateCommandInput {
  return conditionalUpdate(op.tableName, taskItemKey(op), {
    set: ['held = :true', '#st = if_not_exists(#st, :pending)', 'taskId = :taskId'],
    condition: '(attribute_not_exists(#st) OR #st = :pending OR #st = :ready) AND attribute_not_exists(held)',
    values: { ':true': true, ':pending': 'pending', ':ready': 'ready', ':taskId': op.taskId },
  });
}

/** Releases a held task for a redrive; a root the hold created becomes `ready`. */
export function releaseHoldRequest(op: OnTable<ReleaseHoldOp>): UpdateCommandInput {
  return conditionalUpdate(op.tableName, taskItemKey(op), {
    set: ['redriven = :n', ...(op.status === undefined ? [] : ['#st = :status'])],
    remove: ['held', 'dispatchedAt'],
    condition: 'attribute_exists(held)',
    values: { ':n': op.redrive, ...(op.status === undefined ? {} : { ':status': op.status }) },
  });
}

/**
 * What a reset removes: everything an attempt, a wait, a checkpoint or a compensation wrote; not a map's
 * items and counts (mapItems, mapCount, ...), which its next start compares and replaces.
 */
const RESET_REMOVES = [
  '#owner',
  'leaseUntil',
  'dueAt',
  '#output',
  '#error',
  'cbToken',
  'cbTimeout',
  'held',
  'stopping',
  'startedAt',
  'finishedAt',
  'expiresAt',
  'cst',
  'cattempt',
  'cfailures',
  'cowner',
  'clease',
  'cdue',
  'cfinished',
  'cerror',
  'cdispatched',
  'dispatchedAt',
];

/** Resets a task to run again, once per redrive, never while an attempt of it runs or waits. */
export function resetTaskRequest(op: OnTable<ResetTaskOp>): UpdateCommandInput {
  const names: Record<string, string> = { '#output': 'output', '#error': 'error' };
  const remove = [...RESET_REMOVES];
  op.dropDeps.forEach((dep, i) => {
    names[`#d${i}`] = depOutputAttr(dep);
    names[`#l${i}`] = depLamportAttr(dep);
    remove.push(`#d${i}`, `#l${i}`);
  });
  return conditionalUpdate(op.tableName, taskItemKey(op), {
    set: [
      '#st = :status',
      'failures = :zero',
      'takeovers = :zero',
      'attempt = if_not_exists(attempt, :zero)',
      'redriven = :n',
      'taskId = :taskId',
      'lamport = :l',
      APPEND_EVENTS,
    ],
    remove,
    ...(op.dropDeps.length > 0 ? { delete: ['depsDone :drop'] } : {}),
    condition:
      '(attribute_not_exists(#st) OR (#st <> :running AND #st <> :waiting)) AND ' +
      `(attribute_not_exists(redriven) OR redriven < :n) AND ${LAMPORT_GROWS}`,
    names,
    values: {
      ':status': op.status,
      ':zero': 0,
      ':n': op.redrive,
      ':taskId': op.taskId,
      ':l': op.lamport,
      ':running': 'running',
      ':waiting': 'waiting',
      ...(op.dropDeps.length > 0 ? { ':drop': new Set(op.dropDeps) } : {}),
      ...appendEventValues(op.event),
    },
  });
}

/** A paused run's task item loses its expiry: a paused run is kept as long as it waits for a redrive. */
export function retainTaskRequest(op: OnTable<TaskRefOp>): UpdateCommandInput {
  return conditionalUpdate(op.tableName, taskItemKey(op), {
    set: ['taskId = :taskId'],
    remove: ['expiresAt'],
    condition: 'attribute_exists(pk)',
    values: { ':taskId': op.taskId },
  });
}
