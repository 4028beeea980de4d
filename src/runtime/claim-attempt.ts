import type { ClaimRefusal } from '../engine/claim.ts';
import { leaseMs } from '../engine/limits.ts';
import type { ClaimTaskOp } from '../engine/operations.ts';
import type { StoredEvent, TaskMessage, TaskRecord } from '../engine/types.ts';
import type { CasOutcome } from '../store/run-store.ts';
import type { PlannedTask } from '../workflow/plan.ts';
import { isoNow, type RuntimeDeps } from './deps.ts';
import { sendDispatches } from './dispatch.ts';

/** Claims attempts whose Lamport time lags the item's at most this many times before giving up. */
const CLAIM_TRIES = 3;

/** How one kind of attempt (a task's, a compensation's) is claimed. */
export interface ClaimSpec {
  /** The store operation that claims the attempt at `now`, stamped with `lamport`. */
  claim(now: number, lamport: number): Promise<CasOutcome<TaskRecord>>;
  /** Why the claim was refused, from the item as it is now. */
  explain(current: TaskRecord | undefined, now: number, lamport: number): ClaimRefusal;
  /** A callback task whose wait lapsed: end its attempt with that error. */
  lapsed?(current: TaskRecord): Promise<void>;
}

/**
 * Claims an attempt with one conditional write. A claim refused only because the item has seen a later
 * Lamport time is tried again above it; a retry not yet due is sent again, delayed until it is; a lapsed
 * callback wait is handed to `spec.lapsed`; anything else is a duplicate. Those all yield undefined.
 */
export async function claimAttempt(
  deps: RuntimeDeps,
  message: TaskMessage,
  spec: ClaimSpec,
): Promise<{ readonly record: TaskRecord; readonly claimedAt: number } | undefined> {
  let lamport = message.lamport + 1;
  for (let i = 0; i < CLAIM_TRIES; i += 1) {
    const now = deps.now();
    const outcome = await spec.claim(now, lamport);
    if (outcome.ok) return { record: outcome.record, claimedAt: now };
    const refusal = spec.explain(outcome.current, now, lamport);
    if (refusal.kind === 'lamportBehind') {
      lamport = refusal.lamport + 1;
      continue;
    }
    if (refusal.kind === 'notDue') {
      await sendDispatches(deps, [message], refusal.dueAt);
    }
    if (refusal.kind === 'lapsed') await spec.lapsed?.(refusal.record);
    return undefined;
  }
  return undefined;
}

/** The claim of one attempt of `planned` for this worker, at `now`, stamped with `lamport`. */
export function taskClaim(
  deps: RuntimeDeps,
  runId: string,
  planned: PlannedTask,
  now: number,
  lamport: number,
): ClaimTaskOp {
  return {
    runId,
    taskId: planned.id,
    owner: deps.owner,
    now,
    leaseUntil: now + leaseMs(planned),
    lamport,
    depCount: planned.deps.length,
    event: claimedEvent(deps, lamport),
  };
}

/** A `task.claimed` history entry for this worker. */
export function claimedEvent(deps: RuntimeDeps, lamport: number): StoredEvent {
  return { type: 'task.claimed', lamport, at: isoNow(deps), detail: { owner: deps.owner } };
}
