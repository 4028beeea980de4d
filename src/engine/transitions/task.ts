/**
 * The transitions of a task: for each operation, its precondition (when the write is accepted) and the
 * record after the write. `undefined` means refused: the caller learns the current record instead. The
 * DynamoDB request builders (src/store/task-requests.ts) restate each as a ConditionExpression.
 */
import type {
  CheckpointOp,
  ClaimByEdgeOp,
  ClaimTaskOp,
  CopyEdgeOp,
  EndTaskOp,
  ReleaseTaskOp,
  RenewLeaseOp,
  RetryTaskOp,
  SkipTaskOp,
  SleepTaskOp,
  TaskRefOp,
} from '../operations.ts';
import type { TaskRecord } from '../types.ts';
import {
  errorView,
  holdsClaim,
  lamportGrows,
  newTask,
  withDispatch,
  withMember,
  without,
} from './records.ts';

type Current = TaskRecord | undefined;

/**
 * Claims a task for one attempt: owner, lease and attempt + 1; a retry's `dueAt` is cleared.
 *
 * @example
 * claimTask(undefined, { runId, taskId: 'a', owner: 'w1', now, leaseUntil, lamport: 2, depCount: 0, event });
 */
export function claimTask(current: Current, op: ClaimTaskOp): TaskRecord | undefined {
  const claimable =
    // a root nobody has touched: a claim creates its record
    (op.depCount === 0 && current === undefined) ||
    // a dependent whose every dependency has been copied onto it by its edge
    (op.depCount > 0 && current?.status === 'pending' && current.depsDone.length === op.depCount) ||
    // a retry, once its backoff has passed
    (current?.status === 'ready' && (current.dueAt === undefined || current.dueAt <= op.now)) ||
    // an attempt whose lease ran out: its worker is presumed dead
    (current?.status === 'running' && current.leaseUntil !== undefined && current.leaseUntil < op.now);
  // a claim carried by a message older than the record's last write would reorder its history; a task
  // held by a paused run waits for the redrive
  if (!claimable || current?.held || !lamportGrows(current, op.lamport)) return undefined;
  // an earlier attempt's callback token dies with it; the dispatch it answers is done with
  const base = current ? without(current, 'dueAt', 'callback', 'dispatchedAt') : newTask(op.taskId);
  return {
    ...base,
    taskId: op.taskId,
    status: 'running',
    owner: op.owner,
    leaseUntil: op.leaseUntil,
    attempt: base.attempt + 1,
    lamport: op.lamport,
    startedAt: op.now,
    events: [...base.events, ...(op.before ?? []), op.event],
  };
}

/** Extends the lease of the attempt that holds the claim. */
export function renewLease(current: Current, op: RenewLeaseOp): TaskRecord | undefined {
  // a stale attempt must not keep alive a claim that was taken over
  if (!holdsClaim(current, op)) return undefined;
  return { ...current, leaseUntil: op.leaseUntil };
}

/** Records a succeeded attempt's output; the lease and any earlier attempt's error are cleared. */
export function checkpoint(current: Current, op: CheckpointOp): TaskRecord | undefined {
  // only the attempt holding the claim may succeed: a stale one's output would race the current one's
  if (!holdsClaim(current, op)) return undefined;
  return {
    ...without(current, 'leaseUntil', 'error'),
    status: 'succeeded',
    output: op.output,
    lamport: op.lamport,
    events: [...current.events, op.event],
  };
}

/** A sleep starts: `ready` again, unowned, not claimable before its wake time; no failure is counted. */
export function sleepTask(current: Current, op: SleepTaskOp): TaskRecord | undefined {
  if (!holdsClaim(current, op)) return undefined;
  return {
    ...withDispatch(without(current, 'owner', 'leaseUntil'), op.dispatchedAt),
    status: 'ready',
    dueAt: op.dueAt,
    lamport: op.lamport,
    events: [...current.events, op.event],
  };
}

/** A failed attempt with attempts left: `ready` again, unowned, not claimable before `dueAt`. */
export function retryTask(current: Current, op: RetryTaskOp): TaskRecord | undefined {
  if (!holdsClaim(current, op)) return undefined;
  return {
    ...withDispatch(without(current, 'owner', 'leaseUntil'), op.dispatchedAt),
    status: 'ready',
    dueAt: op.dueAt,
    error: errorView(op.error),
    failures: op.failures,
    lamport: op.lamport,
    events: [...current.events, op.event],
  };
}

/** Ends a task for good from its attempt: `failed` with the error, or `skipped`; the lease is cleared. */
export function endTask(current: Current, op: EndTaskOp): TaskRecord | undefined {
  if (!holdsClaim(current, op)) return undefined;
  return {
    ...without(current, 'leaseUntil', 'error'),
    status: op.status,
    ...(op.error === undefined ? {} : { error: errorView(op.error) }),
    failures: op.failures,
    lamport: op.lamport,
    events: [...current.events, op.event],
  };
}

/**
 * Copies a succeeded dependency's output onto its dependent and counts it in `depsDone`; the first edge
 * creates the dependent's record, `pending`. It leaves the dependent's own Lamport time and history alone.
 */
export function copyEdge(current: Current, op: CopyEdgeOp): TaskRecord | undefined {
  // a replayed edge (redelivery, recovery) must count once, or the dependent would start too early
  if (current?.depsDone.includes(op.from)) return undefined;
  const base = current ?? newTask(op.to);
  return {
    // the edge that completes the set is the last to write it: its dispatch is the one that counts
    ...withDispatch(base, op.dispatchedAt),
    taskId: op.to,
    depsDone: withMember(base.depsDone, op.from),
    depOutputs: { ...base.depOutputs, [op.from]: op.output },
    depLamports: { ...base.depLamports, [op.from]: op.lamport },
  };
}

/**
 * The last edge into a dependent that also claims it: the dependent becomes running, owned by the worker
 * that will continue with it, with this dependency's output beside the others'.
 */
export function claimByEdge(current: Current, op: ClaimByEdgeOp): TaskRecord | undefined {
  const edges = [op, ...(op.carried ?? [])];
  const before = op.depCount - edges.length;
  const last =
    // a task none of whose dependencies is counted yet (one dependency, or a join whose others are all
    // carried here): nothing may have touched it; a rollback's skip, a replayed edge or a claim got there
    // first otherwise, and the plain edges sort those out
    (before === 0 && current === undefined) ||
    // a join whose every other dependency is counted, these not yet: these edges complete it
    (before > 0 &&
      current?.status === 'pending' &&
      current.depsDone.length === before &&
      edges.every((edge) => !current.depsDone.includes(edge.from)) &&
      !current.held);
  if (!last) return undefined;
  const base = current ? without(current, 'dispatchedAt') : newTask(op.to);
  return {
    ...base,
    status: 'running',
    owner: op.owner,
    leaseUntil: op.leaseUntil,
    attempt: base.attempt + 1,
    depsDone: edges.reduce((done, edge) => withMember(done, edge.from), base.depsDone),
    depOutputs: { ...base.depOutputs, ...Object.fromEntries(edges.map((e) => [e.from, e.output])) },
    depLamports: { ...base.depLamports, ...Object.fromEntries(edges.map((e) => [e.from, e.lamport])) },
    lamport: op.claimLamport,
    startedAt: op.now,
    events: [...base.events, op.event],
  };
}

/** The rollback marks a task that never started as `skipped`, creating its record if it has none. */
export function skipTask(current: Current, op: SkipTaskOp): TaskRecord | undefined {
  const notStarted = current === undefined || current.status === 'pending' || current.status === 'ready';
  // a claim that got there first owns the task: its attempt ends it; a skip decided on an older read (a
  // retry made the task ready since, at the same time) must not reuse a time the task has taken
  if (!notStarted || !lamportGrows(current, op.lamport)) return undefined;
  const base = current ?? newTask(op.taskId);
  return {
    ...base,
    taskId: op.taskId,
    status: 'skipped',
    lamport: op.lamport,
    events: [...base.events, op.event],
  };
}

/** Tells a running attempt that its run is stopping, so that its end wakes the rollback up. */
export function flagStopping(current: Current, _op: TaskRefOp): TaskRecord | undefined {
  // a task that is not running (or waiting for its callback) has nothing to tell: the stop settles it
  if (current?.status !== 'running' && current?.status !== 'waiting') return undefined;
  return { ...current, stopping: true };
}

/** Takes a lost attempt (dead owner, expired lease) back to `ready` and counts the takeover. */
export function releaseTask(current: Current, op: ReleaseTaskOp): TaskRecord | undefined {
  // fenced on that very attempt: a release must not take away a newer attempt's claim
  if (!holdsClaim(current, op)) return undefined;
  return {
    ...withDispatch(without(current, 'owner', 'leaseUntil', 'dueAt'), op.dispatchedAt),
    status: 'ready',
    takeovers: current.takeovers + 1,
    lamport: op.lamport,
    events: [...current.events, op.event],
  };
}
