/**
 * The transitions of a compensation. Its state lives on its task's record (`compensation`, and once it has
 * ended `compensationFinished`), beside the output it undoes; the task stays `succeeded` until it ends.
 * Restated as ConditionExpressions by src/store/compensation-requests.ts.
 */
import type {
  ClaimCompensationOp,
  DispatchCompensationOp,
  Fence,
  FinishCompensationOp,
  ReleaseTaskOp,
  RenewLeaseOp,
  RetryCompensationOp,
} from '../operations.ts';
import type { CompensationState, TaskRecord } from '../types.ts';
import { errorView, lamportGrows, without } from './records.ts';

type Current = TaskRecord | undefined;
type Held = TaskRecord & { readonly compensation: CompensationState };

/** Only the compensation attempt holding the claim may write its outcome: same owner, same attempt. */
function holdsCompensation(current: Current, fence: Fence): current is Held {
  const comp = current?.compensation;
  return (
    current?.status === 'succeeded' &&
    comp?.status === 'running' &&
    comp.owner === fence.owner &&
    comp.attempt === fence.attempt
  );
}

/**
 * The rollback starts a succeeded task's compensation: `ready`, no attempt yet.
 *
 * @example
 * dispatchCompensation(succeededTask, { runId, taskId: 'a', lamport: 9, event }); // compensation: ready
 */
export function dispatchCompensation(current: Current, op: DispatchCompensationOp): TaskRecord | undefined {
  // only a succeeded task has something to undo, and a compensation starts once
  if (current?.status !== 'succeeded' || current.compensation !== undefined) return undefined;
  return {
    ...current,
    compensation: { status: 'ready', attempt: 0, failures: 0, ...dispatched(op.dispatchedAt) },
    compensationAttempts: 0,
    lamport: op.lamport,
    events: [...current.events, op.event],
  };
}

/** Claims a compensation attempt: owner, lease and attempt + 1; a retry's `dueAt` is cleared. */
export function claimCompensation(current: Current, op: ClaimCompensationOp): TaskRecord | undefined {
  const comp = current?.compensation;
  const claimable =
    current?.status === 'succeeded' &&
    // a compensation ready to run, once its backoff has passed
    ((comp?.status === 'ready' && (comp.dueAt === undefined || comp.dueAt <= op.now)) ||
      // an attempt whose lease ran out: its worker is presumed dead
      (comp?.status === 'running' && comp.leaseUntil !== undefined && comp.leaseUntil < op.now));
  // a claim carried by a message older than the record's last write would reorder its history
  if (!claimable || !comp || !lamportGrows(current, op.lamport)) return undefined;
  const attempt = comp.attempt + 1;
  return {
    ...current,
    compensation: {
      status: 'running',
      attempt,
      failures: comp.failures,
      owner: op.owner,
      leaseUntil: op.leaseUntil,
    },
    compensationAttempts: attempt,
    lamport: op.lamport,
    events: [...current.events, op.event],
  };
}

/** Extends the lease of the compensation attempt holding the claim. */
export function renewCompensationLease(current: Current, op: RenewLeaseOp): TaskRecord | undefined {
  if (!holdsCompensation(current, op)) return undefined;
  return { ...current, compensation: { ...current.compensation, leaseUntil: op.leaseUntil } };
}

/**
 * Ends a compensation for good: the task becomes `compensated` or `compensation_failed`. The error of an
 * earlier failed attempt stays unless this write brings its own.
 */
export function finishCompensation(current: Current, op: FinishCompensationOp): TaskRecord | undefined {
  // a stale attempt must not end a compensation that another attempt now runs
  if (!holdsCompensation(current, op)) return undefined;
  return {
    ...without(current, 'compensation'),
    status: op.status,
    compensationFinished: op.lamport,
    ...(op.error ? { compensationError: errorView(op.error) } : {}),
    lamport: op.lamport,
    events: [...current.events, op.event],
  };
}

/** A failed compensation attempt with attempts left: ready again, unowned, due after the backoff. */
export function retryCompensation(current: Current, op: RetryCompensationOp): TaskRecord | undefined {
  if (!holdsCompensation(current, op)) return undefined;
  return {
    ...current,
    compensation: {
      status: 'ready',
      attempt: current.compensation.attempt,
      failures: op.failures,
      dueAt: op.dueAt,
      ...dispatched(op.dispatchedAt),
    },
    compensationError: errorView(op.error),
    lamport: op.lamport,
    events: [...current.events, op.event],
  };
}

/** Takes a lost compensation attempt back to `ready`, claimable at once. */
export function releaseCompensation(current: Current, op: ReleaseTaskOp): TaskRecord | undefined {
  // fenced on that very attempt: a release must not take away a newer attempt's claim
  if (!holdsCompensation(current, op)) return undefined;
  const { attempt, failures } = current.compensation;
  return {
    ...current,
    compensation: { status: 'ready', attempt, failures, ...dispatched(op.dispatchedAt) },
    lamport: op.lamport,
    events: [...current.events, op.event],
  };
}

/** The dispatch time a ready compensation keeps, if the write brings one. */
function dispatched(dispatchedAt: number | undefined): { dispatchedAt?: number } {
  return dispatchedAt === undefined ? {} : { dispatchedAt };
}
