/**
 * The transitions of a run's own record. Restated as DynamoDB requests by src/store/run-requests.ts.
 */
import type {
  AnswerRunOp,
  CountLastSinkOp,
  CountSinkOp,
  FinishRollbackOp,
  FinishRunOp,
  NewRunOp,
  RevertRunOp,
  StopRunOp,
} from '../operations.ts';
import type { RunRecord } from '../types.ts';
import { lamportGrows, withMember, without } from './records.ts';

type Current = RunRecord | undefined;

/** A run is active (the recovery pass looks after it) until it is final. */
export function isActiveRun(run: RunRecord): boolean {
  // a paused run stays active: the recovery pass finishes its holds, and has it go on after a redrive
  return run.status === 'running' || run.status === 'paused' || run.status === 'compensating';
}

/**
 * Creates a run: `running`, no rollback, its first event.
 *
 * @example
 * createRun(undefined, newRun); // { status: 'running', rollback: 'none', ... }
 */
export function createRun(current: Current, op: NewRunOp): RunRecord | undefined {
  // run ids are unique: a duplicate submission loses and learns the existing run
  if (current !== undefined) return undefined;
  return {
    runId: op.runId,
    workflow: op.workflow,
    planVersion: op.planVersion,
    input: op.input,
    inputHash: op.inputHash,
    status: 'running',
    rollback: 'none',
    lamport: op.event.lamport,
    sinksDone: [],
    sinkLamports: {},
    createdAt: op.createdAt,
    ...(op.dispatchedAt === undefined ? {} : { dispatchedAt: op.dispatchedAt }),
    events: [op.event],
    ...(op.idempotencyKey ? { idempotencyKey: op.idempotencyKey } : {}),
    ...(op.parent ? { parent: op.parent } : {}),
  };
}

/** Counts a succeeded sink on its run; whatever the run's status, the count is a fact. */
export function countSink(current: Current, op: CountSinkOp): RunRecord | undefined {
  // a replayed count (redelivery, recovery) must count once
  if (current === undefined || current.sinksDone.includes(op.taskId)) return undefined;
  return {
    ...current,
    sinksDone: withMember(current.sinksDone, op.taskId),
    sinkLamports: { ...current.sinkLamports, [op.taskId]: op.lamport },
  };
}

/** The only sink of a plan succeeded: count it and mark the run succeeded in one write. */
export function countLastSink(current: Current, op: CountLastSinkOp): RunRecord | undefined {
  // a stopping run is left to its rollback; a replayed count must not finish the run twice; a run whose
  // clock passed the sink's (an early answer's entry) is finished in two writes, above it
  if (current?.status !== 'running' || current.sinksDone.includes(op.taskId)) return undefined;
  if (!lamportGrows(current, op.lamport)) return undefined;
  return {
    ...current,
    sinksDone: withMember(current.sinksDone, op.taskId),
    sinkLamports: { ...current.sinkLamports, [op.taskId]: op.sinkLamport },
    status: 'succeeded',
    finishedAt: op.now,
    lamport: op.lamport,
    events: [...current.events, op.event],
  };
}

/** Marks a running run succeeded once all its sinks are counted. */
export function finishRun(current: Current, op: FinishRunOp): RunRecord | undefined {
  const sinks = current?.sinksDone.length ?? 0;
  // every sink counted; a run with none counted never finishes (a plan has at least one sink, and
  // DynamoDB's size() of the absent, never empty, set is no number at all)
  const allSinks = sinks > 0 && sinks === op.sinkCount;
  // a stopping run is left to its rollback; its entry's time is after every other of the run's
  if (current?.status !== 'running' || !allSinks || !lamportGrows(current, op.lamport)) return undefined;
  return {
    ...current,
    status: 'succeeded',
    finishedAt: op.now,
    lamport: op.lamport,
    events: [...current.events, op.event],
  };
}

/** Stops a running or paused run (a task failed for good, a cancel, a timeout): its rollback starts. */
export function stopRun(current: Current, op: StopRunOp): RunRecord | undefined {
  // a run stops once: the first cause wins, and a final run stays as it ended
  if (current?.status !== 'running' && current?.status !== 'paused') return undefined;
  // a stop decided on an older read must not reuse a Lamport time the run has taken since
  if (!lamportGrows(current, op.lamport)) return undefined;
  const { name, message, taskId } = op.error;
  return {
    ...current,
    status: 'compensating',
    rollback: 'running',
    cause: op.cause,
    error: { name, message, ...(taskId ? { taskId } : {}) },
    lamport: op.lamport,
    events: [...current.events, op.event],
  };
}

/** Reopens a succeeded run for its rollback (its parent is rolling back): cancelled, once it is undone. */
export function revertRun(current: Current, op: RevertRunOp): RunRecord | undefined {
  // only a run that ended well has work to undo; a stopped one is already rolling back
  if (current?.status !== 'succeeded') return undefined;
  const { name, message, taskId } = op.error;
  return {
    ...without(current, 'finishedAt'),
    status: 'compensating',
    rollback: 'running',
    cause: 'cancelled',
    error: { name, message, ...(taskId ? { taskId } : {}) },
    lamport: op.lamport,
    events: [...current.events, op.event],
  };
}

/** A running sync run records its early answer, once; a run that stopped first is answered as it ends. */
export function answerRun(current: Current, op: AnswerRunOp): RunRecord | undefined {
  if (current?.status !== 'running' || current.answered !== undefined) return undefined;
  // a history entry of its own: no later write of the run may take its time
  if (!lamportGrows(current, op.lamport)) return undefined;
  return {
    ...current,
    answered: { at: op.at, pending: [...op.pending] },
    lamport: op.lamport,
    events: [...current.events, op.event],
  };
}

/** Ends a stopped run once the Saga has settled every task. */
export function finishRollback(current: Current, op: FinishRollbackOp): RunRecord | undefined {
  // only a rollback in progress can end, and it ends once
  if (current?.status !== 'compensating') return undefined;
  return {
    ...current,
    status: op.status,
    rollback: op.rollback,
    finishedAt: op.now,
    lamport: op.lamport,
    events: [...current.events, op.event],
  };
}
