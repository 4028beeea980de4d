/**
 * The transitions of a callback task's wait: the token opened by the attempt, the wait, its completion
 * by token from any process, its heartbeats, and its end by the rollback. See src/engine/transitions/task.ts
 * for the conventions (`undefined` means refused).
 */

import { holdsToken } from '../callback.ts';
import type {
  AwaitCallbackOp,
  CancelWaitOp,
  CompleteCallbackOp,
  CountMapItemOp,
  HeartbeatCallbackOp,
  OpenCallbackOp,
} from '../operations.ts';
import type { TaskRecord } from '../types.ts';
import { errorView, holdsClaim, lamportGrows, withDispatch, without } from './records.ts';

type Current = TaskRecord | undefined;

/** The attempt holding the claim opens its token; the task stays `running` while its handler runs. */
export function openCallback(current: Current, op: OpenCallbackOp): TaskRecord | undefined {
  if (!holdsClaim(current, op)) return undefined;
  return { ...current, callback: { token: op.token } };
}

/** The attempt's handler is done: `waiting`, unowned, lapsing at `dueAt`; no failure is counted. */
export function awaitCallback(current: Current, op: AwaitCallbackOp): TaskRecord | undefined {
  // a completion that came while the handler ran has ended the attempt already
  if (!holdsClaim(current, op)) return undefined;
  const base = without(current, 'owner', 'leaseUntil', 'dueAt');
  return {
    ...withDispatch(base, op.dispatchedAt),
    status: 'waiting',
    ...(op.dueAt === undefined ? {} : { dueAt: op.dueAt }),
    callback: { token: op.token, ...(op.timeoutAt === undefined ? {} : { timeoutAt: op.timeoutAt }) },
    // a map's items: the lanes a redrive kept whole are done at once, no item has failed yet
    ...(op.map === undefined ? {} : { map: { ...op.map, failedItems: [] } }),
    lamport: op.lamport,
    events: [...current.events, op.event],
  };
}

/** Counts a lane's end and/or a failed item on a waiting map task, each once, while the token is its. */
export function countMapItem(current: Current, op: CountMapItemOp): TaskRecord | undefined {
  const map = current?.map;
  if (current?.status !== 'waiting' || current.callback?.token !== op.token || !map) return undefined;
  if (op.lane === undefined && op.failed === undefined) return undefined;
  // a replay (redelivery, recovery) must count nothing twice, or the map would join before its items end
  if (op.lane !== undefined && map.lanesDone.includes(op.lane)) return undefined;
  if (op.failed !== undefined && map.failedItems.includes(op.failed)) return undefined;
  const add = (set: readonly number[], value: number | undefined) =>
    value === undefined ? set : [...set, value].sort((a, b) => a - b);
  return {
    ...current,
    map: { ...map, lanesDone: add(map.lanesDone, op.lane), failedItems: add(map.failedItems, op.failed) },
  };
}

/** A completion by token: accepted once (the token is cleared), into succeeded, ready (a retry) or failed. */
export function completeCallback(current: Current, op: CompleteCallbackOp): TaskRecord | undefined {
  if (!holdsToken(current, op) || !lamportGrows(current, op.lamport)) return undefined;
  const base = without(current, 'owner', 'leaseUntil', 'dueAt', 'callback', 'error', 'dispatchedAt');
  const done = op.completion;
  const stamped = { lamport: op.lamport, events: [...current.events, op.event] };
  if (done.status === 'succeeded') return { ...base, status: 'succeeded', output: done.output, ...stamped };
  return {
    ...base,
    status: done.status,
    ...(done.status === 'ready' ? { dueAt: done.dueAt } : {}),
    ...(done.status === 'ready' && done.dispatchedAt !== undefined
      ? { dispatchedAt: done.dispatchedAt }
      : {}),
    error: errorView(done.error),
    failures: done.failures,
    ...stamped,
  };
}

/** A heartbeat by token: the wait now lapses at `dueAt`. */
export function heartbeatCallback(current: Current, op: HeartbeatCallbackOp): TaskRecord | undefined {
  if (!holdsToken(current, op)) return undefined;
  return { ...current, dueAt: op.dueAt };
}

/** The rollback ends a wait: `cancelled`, and the token is refused from now on. */
export function cancelWait(current: Current, op: CancelWaitOp): TaskRecord | undefined {
  if (current?.status !== 'waiting' || !lamportGrows(current, op.lamport)) return undefined;
  return {
    ...without(current, 'dueAt', 'callback'),
    status: 'cancelled',
    lamport: op.lamport,
    events: [...current.events, op.event],
  };
}
