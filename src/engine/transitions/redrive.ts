/**
 * The transitions of `on_failure: pause`: the pause and its holds on tasks that have not started, the
 * redrive that goes on, and its releases and resets. Restated for DynamoDB by src/store/redrive-requests.ts.
 */
import type { HoldTaskOp, PauseRunOp, RedriveRunOp, ReleaseHoldOp, ResetTaskOp } from '../operations.ts';
import type { RunRecord, TaskRecord } from '../types.ts';
import { lamportGrows, newTask, without } from './records.ts';

/** A running run pauses: its error recorded, nothing compensated. */
export function pauseRun(current: RunRecord | undefined, op: PauseRunOp): RunRecord | undefined {
  // the first failure pauses; a later one (another branch) finds the run paused already
  if (current?.status !== 'running') return undefined;
  // its own history entry: never at a time the run has taken since the caller read it (an early answer)
  if (!lamportGrows(current, op.lamport)) return undefined;
  const { name, message, taskId } = op.error;
  return {
    ...without(current, 'cause'),
    status: 'paused',
    error: { name, message, ...(taskId ? { taskId } : {}) },
    lamport: op.lamport,
    events: [...current.events, op.event],
  };
}

/** A paused run goes on, redrive number `op.redrive`: the reset sinks uncounted, the input maybe new. */
export function redriveRun(current: RunRecord | undefined, op: RedriveRunOp): RunRecord | undefined {
  // one redrive at a time: two at once agree on the number, and the second is refused
  if (current?.status !== 'paused' || (current.redrives ?? 0) !== op.redrive - 1) return undefined;
  if (!lamportGrows(current, op.lamport)) return undefined;
  const dropped = new Set(op.dropSinks);
  const sinkLamports = Object.fromEntries(
    Object.entries(current.sinkLamports).filter(([taskId]) => !dropped.has(taskId)),
  );
  return {
    ...without(current, 'error', 'cause', 'rerunMaps'),
    status: 'running',
    ...(op.input === undefined ? {} : { input: op.input }),
    ...(op.inputHash === undefined ? {} : { inputHash: op.inputHash }),
    sinksDone: current.sinksDone.filter((taskId) => !dropped.has(taskId)),
    sinkLamports,
    redrives: op.redrive,
    reset: [...op.reset].sort(),
    // none is no attribute on DynamoDB
    ...(op.rerunMaps.length > 0 ? { rerunMaps: [...op.rerunMaps].sort() } : {}),
    lamport: op.lamport,
    events: [...current.events, op.event],
  };
}

/** Holds a task that has not started (its record created if it has none); a held task is not claimed. */
export function holdTask(current: TaskRecord | undefined, op: HoldTaskOp): TaskRecord | undefined {
  const unstarted = current === undefined || current.status === 'pending' || current.status === 'ready';
  if (!unstarted || current?.held) return undefined;
  const base = current ?? newTask(op.taskId);
  return { ...base, taskId: op.taskId, held: true };
}

/** Releases a held task for redrive `op.redrive`. */
export function releaseHold(current: TaskRecord | undefined, op: ReleaseHoldOp): TaskRecord | undefined {
  if (!current?.held) return undefined;
  // the released task's dispatch is the redrive's, sent by whichever process goes on with it
  return {
    ...without(current, 'held', 'dispatchedAt'),
    ...(op.status === undefined ? {} : { status: op.status }),
    redriven: op.redrive,
  };
}

/**
 * Resets a task to run again, once per redrive; refused while an attempt of it runs or waits. A map keeps
 * its items as they were recorded (`map`): its next start compares them with the items it evaluates, to
 * keep the items that succeeded (src/engine/map-redrive.ts).
 */
export function resetTask(current: TaskRecord | undefined, op: ResetTaskOp): TaskRecord | undefined {
  if (current?.status === 'running' || current?.status === 'waiting') return undefined;
  if ((current?.redriven ?? 0) >= op.redrive || !lamportGrows(current, op.lamport)) return undefined;
  const base = current ?? newTask(op.taskId);
  const dropped = new Set(op.dropDeps);
  const kept = <T>(values: Readonly<Record<string, T>>) =>
    Object.fromEntries(Object.entries(values).filter(([dep]) => !dropped.has(dep)));
  return {
    taskId: op.taskId,
    status: op.status,
    attempt: base.attempt,
    failures: 0,
    takeovers: 0,
    depsDone: base.depsDone.filter((dep) => !dropped.has(dep)),
    depOutputs: kept(base.depOutputs),
    depLamports: kept(base.depLamports),
    lamport: op.lamport,
    stopping: false,
    redriven: op.redrive,
    ...(base.map === undefined ? {} : { map: base.map }),
    events: [...base.events, op.event],
  };
}
