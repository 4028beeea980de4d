import type { TaskRecord } from './types.ts';

/** Why a claim was refused, and so what the worker does with the message. */
export type ClaimRefusal =
  /** A retry not yet due: send the message again, delayed until it is. */
  | { readonly kind: 'notDue'; readonly dueAt: number }
  /** Claimable, but the item has seen a later Lamport time than the message: claim again above it. */
  | { readonly kind: 'lamportBehind'; readonly lamport: number }
  /** A callback task whose wait lapsed (timeout, missed heartbeat): end its attempt with that error. */
  | { readonly kind: 'lapsed'; readonly record: TaskRecord }
  /** Taken, finished or not yet runnable: the message is a duplicate, drop it. */
  | { readonly kind: 'drop' };

/**
 * Explains a refused task claim from the item as it is now (the claim's own conditions, restated).
 *
 * @example
 * explainTaskClaim(current, planned.deps.length, now, lamport); // { kind: 'notDue', dueAt }
 */
export function explainTaskClaim(
  record: TaskRecord | undefined,
  depCount: number,
  now: number,
  lamport: number,
): ClaimRefusal {
  // a task a paused run holds is dispatched again by the redrive that releases it
  if (!record || record.held) return { kind: 'drop' };
  const timed = record.status === 'ready' || record.status === 'waiting';
  if (timed && record.dueAt !== undefined && record.dueAt > now) {
    return { kind: 'notDue', dueAt: record.dueAt };
  }
  if (record.status === 'waiting') {
    return record.dueAt === undefined ? { kind: 'drop' } : { kind: 'lapsed', record };
  }
  const claimable =
    (record.status === 'pending' && depCount > 0 && record.depsDone.length === depCount) ||
    record.status === 'ready' ||
    (record.status === 'running' && (record.leaseUntil ?? 0) < now);
  if (claimable && record.lamport >= lamport) return { kind: 'lamportBehind', lamport: record.lamport };
  return { kind: 'drop' };
}

/** The same for a refused compensation claim. */
export function explainCompensationClaim(
  record: TaskRecord | undefined,
  now: number,
  lamport: number,
): ClaimRefusal {
  const comp = record?.compensation;
  if (record?.status !== 'succeeded' || !comp) return { kind: 'drop' };
  if (comp.status === 'ready' && comp.dueAt !== undefined && comp.dueAt > now) {
    return { kind: 'notDue', dueAt: comp.dueAt };
  }
  const claimable = comp.status === 'ready' || (comp.leaseUntil ?? 0) < now;
  if (claimable && record.lamport >= lamport) return { kind: 'lamportBehind', lamport: record.lamport };
  return { kind: 'drop' };
}

/** The next Lamport time after everything seen: `max(seen) + 1`. */
export function nextLamport(...seen: readonly number[]): number {
  return Math.max(0, ...seen) + 1;
}

/** The next Lamport time after everything a run's records have seen, its own and its tasks'. */
export function lamportAfter(
  run: { readonly lamport: number },
  tasks: Iterable<{ readonly lamport: number }>,
): number {
  return nextLamport(run.lamport, ...[...tasks].map((task) => task.lamport));
}
