import type { TaskRecord } from './types.ts';

/** Why a claim was refused, and so what the worker does with the message. */
export type ClaimRefusal =
  /** A retry not yet due: send the message again, delayed until it is. */
  | { readonly kind: 'notDue'; readonly dueAt: number }
  /** Claimable, but the item has seen a later Lamport time than the message: claim again above it. */
  | { readonly kind: 'lamportBehind'; readonly lamport: number }
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
  if (!record) return { kind: 'drop' };
  if (record.status === 'ready' && record.dueAt !== undefined && record.dueAt > now) {
    return { kind: 'notDue', dueAt: record.dueAt };
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
