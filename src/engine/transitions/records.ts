/**
 * Small pure helpers the transitions share: a fresh task record, removing fields, and the normal forms of
 * the values a write stores (an error keeps only its name and message, a string set is sorted).
 */
import type { TaskErrorView } from '../../runtime/types.ts';
import type { Fence } from '../operations.ts';
import type { TaskRecord } from '../types.ts';

/** The record of a task that no write has touched yet, as a write that creates it starts from. */
export function newTask(taskId: string): TaskRecord {
  return {
    taskId,
    status: 'pending',
    attempt: 0,
    failures: 0,
    takeovers: 0,
    depsDone: [],
    depOutputs: {},
    depLamports: {},
    lamport: 0,
    stopping: false,
    events: [],
  };
}

/** A copy of `record` without `keys`: a removed field is absent, not `undefined`. */
export function without<T extends object, K extends keyof T>(record: T, ...keys: K[]): Omit<T, K> {
  const out: Partial<T> = {};
  for (const key in record) {
    if (!keys.includes(key as unknown as K)) out[key] = record[key];
  }
  return out as Omit<T, K>;
}

/** An error as a record holds it: its name and message, nothing else a caller put on it. */
export function errorView(error: TaskErrorView): TaskErrorView {
  return { name: error.name, message: error.message };
}

/** A string set with one more member, in the order the records keep sets in. */
export function withMember(set: readonly string[], member: string): string[] {
  return [...set, member].sort();
}

/**
 * Lamport times on one record only grow. A record that has no Lamport time yet (created by an edge) reads
 * 0, and Lamport times start at 1, so such a record accepts any time.
 */
export function lamportGrows(current: { readonly lamport: number } | undefined, lamport: number): boolean {
  return current === undefined || current.lamport < lamport;
}

/** Only the attempt holding the task's claim may write its outcome (fencing): running, same owner, same attempt. */
export function holdsClaim(current: TaskRecord | undefined, fence: Fence): current is TaskRecord {
  return current?.status === 'running' && current.owner === fence.owner && current.attempt === fence.attempt;
}

/**
 * `record` with the dispatch time a write records (see `Dispatching`): set when the write brings one,
 * removed when it does not, so a stale time never outlives the write that made the record claimable again.
 */
export function withDispatch<T extends { readonly dispatchedAt?: number }>(
  record: T,
  dispatchedAt: number | undefined,
): T {
  const rest = without(record, 'dispatchedAt') as T;
  return dispatchedAt === undefined ? rest : { ...rest, dispatchedAt };
}
