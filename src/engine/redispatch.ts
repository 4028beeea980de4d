/**
 * Which dispatches the recovery pass sends again. A claimable record's last dispatch is recorded on it
 * (`dispatchedAt`, written by the write that made it claimable); a message that may still be in the queue is
 * not sent again until it is older than the grace, so a pass over a busy queue adds no duplicates. A record
 * without the time (written before it was recorded, or by a process whose queue no worker of the task
 * reads) is sent at once, as every pass did before. Pure: the caller passes the clock and the bounds.
 */

/** A (re)send of a claimable task's or compensation's dispatch; `dueAt` delays it. */
export interface DispatchCommand {
  readonly kind: 'dispatch';
  readonly taskId: string;
  readonly compensation: boolean;
  readonly dueAt?: number;
}

/** A dispatch the pass could send, and since when its last send could have been received, if recorded. */
export interface DispatchCandidate {
  readonly command: DispatchCommand;
  readonly since?: number;
}

/** How long a dispatch may wait before it is presumed lost, and how many one pass sends for one run. */
export interface RedispatchBounds {
  readonly now: number;
  /** A recorded dispatch younger than this (ms) is not sent again; 0 sends every one, every pass. */
  readonly graceMs: number;
  /** At most this many dispatches per run per pass, the oldest first; the rest wait for the next pass. */
  readonly maxDispatches?: number;
}

/**
 * The time from which a record's last dispatch could be received: its recorded send, or the time it was
 * delayed to (a retry's backoff, a sleep's wake, a wait's lapse, which a heartbeat may have moved on since).
 *
 * @example
 * dispatchSince(1_000, 5_000); // 5_000: the message is not delivered before the due time
 */
export function dispatchSince(
  dispatchedAt: number | undefined,
  dueAt: number | undefined,
): number | undefined {
  if (dispatchedAt === undefined) return undefined;
  return dueAt === undefined ? dispatchedAt : Math.max(dispatchedAt, dueAt);
}

/**
 * The dispatches to send this pass: those without a recorded time and those older than the grace, at most
 * `maxDispatches`, the longest-waiting first (unrecorded ones count as the oldest), in the candidates' order.
 *
 * @example
 * selectDispatches(candidates, { now, graceMs: 120_000, maxDispatches: 1_000 });
 */
export function selectDispatches(
  candidates: readonly DispatchCandidate[],
  bounds: RedispatchBounds,
): DispatchCommand[] {
  const due = candidates
    .map((candidate, index) => ({ ...candidate, index }))
    .filter(({ since }) => since === undefined || bounds.now - since >= bounds.graceMs);
  const max = bounds.maxDispatches ?? Number.POSITIVE_INFINITY;
  if (due.length <= max) return due.map(({ command }) => command);
  const age = (since: number | undefined) => (since === undefined ? Number.NEGATIVE_INFINITY : since);
  const oldest = [...due].sort((a, b) => age(a.since) - age(b.since) || a.index - b.index).slice(0, max);
  return oldest.sort((a, b) => a.index - b.index).map(({ command }) => command);
}
