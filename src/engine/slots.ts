/**
 * Concurrency slots: at most `limit` holders per key (the runs of a workflow per `concurrency.key`, or the
 * attempts of a task across runs); the others wait in a queue, first come first served, holding no worker.
 * A slot is taken before the work starts and given back when it ends; a holder that died without giving it
 * back is evicted by whoever finds the slots full, once the store shows it dead (its run ended, its
 * attempt no longer running). A waiter that stopped asking (its run ended, its message gone for good) falls
 * out of the queue after `STALE_WAITER_MS`. Pure: the store applies these transitions atomically.
 */

/** The slots of one key, as stored. */
export interface SlotRecord {
  readonly key: string;
  readonly limit: number;
  /** Holders by id, with when each took its slot (epoch ms). */
  readonly holders: Readonly<Record<string, number>>;
  /** Of the holders that waited in line: how long (ms) each waited before it took its slot. */
  readonly waited?: Readonly<Record<string, number>>;
  /**
   * Each holder's fencing token: the record's version when it took its slot, so a later holder's is
   * always greater (for a lock, what a handler hands downstream to refuse a stale holder's writes).
   */
  readonly tokens?: Readonly<Record<string, number>>;
  /** Waiters in arrival order, with when each last asked and when it first did (epoch ms). */
  readonly queue: readonly Waiter[];
  /** Counts the record's writes: the DynamoDB adapter's compare-and-set is on it. */
  readonly version: number;
}

/** One waiter in a slot's line. */
export interface Waiter {
  readonly id: string;
  /** When it last asked: a waiter that stops asking falls out of the line after {@link STALE_WAITER_MS}. */
  readonly seenAt: number;
  /** When it first asked: how long it waited, once admitted. */
  readonly since?: number;
}

/** What one acquire did for its holder. */
export interface Admission {
  /** This very write took the slot (not held already). */
  readonly taken: boolean;
}

/** Takes a slot for `holder`, or queues it (or refreshes its place) when the slots are taken. */
export interface AcquireSlotOp {
  readonly key: string;
  readonly limit: number;
  readonly holder: string;
  readonly now: number;
}

/** Gives `holder`'s slot back. */
export interface ReleaseSlotOp {
  readonly key: string;
  readonly holder: string;
}

/** Evicts holders the store shows dead, and takes waiters out of the line (one that waits elsewhere now). */
export interface EvictSlotOp {
  readonly key: string;
  readonly holders: readonly string[];
  readonly waiters?: readonly string[];
}

/** A waiter that has not asked again for this long is dropped from the queue (it re-queues if it asks). */
export const STALE_WAITER_MS = 120_000;
/** Waiters a key queues at most; past it a waiter still asks again later, without a place in line. */
export const MAX_WAITERS = 1000;
/** The longest a waiting dispatch stays away before it asks again (woken sooner when a slot frees). */
export const MAX_RECHECK_MS = 30_000;

/** Whether `holder` holds a slot of `record`. */
export function holds(record: SlotRecord | undefined, holder: string): boolean {
  return record !== undefined && Object.hasOwn(record.holders, holder);
}

/** The waiters to wake after a release: as many of the first in line as there are free slots. */
export function nextWaiters(record: SlotRecord): string[] {
  const free = Math.max(0, record.limit - Object.keys(record.holders).length);
  return record.queue.slice(0, free).map((waiter) => waiter.id);
}

/** When a waiting dispatch asks again: 1 s, 2 s, 4 s, ... up to {@link MAX_RECHECK_MS}. */
export function recheckDelayMs(waits: number): number {
  return Math.min(MAX_RECHECK_MS, 1000 * 2 ** Math.min(waits, 5));
}

function empty(op: { key: string; limit: number }): SlotRecord {
  return { key: op.key, limit: op.limit, holders: {}, queue: [], version: 0 };
}

/**
 * Takes a slot when one is free for `holder`'s place in line (the first `free` waiters are admitted, so
 * nobody overtakes an earlier waiter), else queues it or refreshes its place. Unchanged for a holder.
 */
export function acquireSlot(current: SlotRecord | undefined, op: AcquireSlotOp): SlotRecord {
  const base = current ?? empty(op);
  if (holds(base, op.holder)) return base;
  const queue = base.queue.filter((waiter) => waiter.seenAt >= op.now - STALE_WAITER_MS);
  const free = op.limit - Object.keys(base.holders).length;
  const place = queue.findIndex((waiter) => waiter.id === op.holder);
  const position = place === -1 ? queue.length : place;
  const version = base.version + 1;
  if (position < free) {
    const since = place === -1 ? undefined : (queue[place]?.since ?? queue[place]?.seenAt);
    return {
      ...base,
      limit: op.limit,
      holders: { ...base.holders, [op.holder]: op.now },
      tokens: { ...base.tokens, [op.holder]: version },
      ...(since === undefined
        ? {}
        : { waited: { ...base.waited, [op.holder]: Math.max(0, op.now - since) } }),
      queue: queue.filter((waiter) => waiter.id !== op.holder),
      version,
    };
  }
  const waiting =
    place !== -1
      ? queue.map((waiter) => (waiter.id === op.holder ? { ...waiter, seenAt: op.now } : waiter))
      : queue.length < MAX_WAITERS
        ? [...queue, { id: op.holder, seenAt: op.now, since: op.now }]
        : queue;
  return { ...base, limit: op.limit, queue: waiting, version };
}

/** What the acquire from `before` to `after` did for `holder`. */
export function admission(before: SlotRecord | undefined, after: SlotRecord, holder: string): Admission {
  return { taken: !holds(before, holder) && holds(after, holder) };
}

/** Gives a slot back; refused (undefined) when `holder` holds none. */
export function releaseSlot(current: SlotRecord | undefined, op: ReleaseSlotOp): SlotRecord | undefined {
  if (!current || !holds(current, op.holder)) return undefined;
  const { [op.holder]: _released, ...holders } = current.holders;
  return { ...current, holders, ...withoutWaited(current, [op.holder]), version: current.version + 1 };
}

/** Evicts dead holders and drops waiters; refused when none of them holds a slot or waits. */
export function evictSlot(current: SlotRecord | undefined, op: EvictSlotOp): SlotRecord | undefined {
  const waiters = op.waiters ?? [];
  const holding = op.holders.some((holder) => holds(current, holder));
  const waiting = current?.queue.some((waiter) => waiters.includes(waiter.id)) ?? false;
  if (!current || (!holding && !waiting)) return undefined;
  const holders = Object.fromEntries(
    Object.entries(current.holders).filter(([holder]) => !op.holders.includes(holder)),
  );
  const queue = current.queue.filter((waiter) => !waiters.includes(waiter.id));
  return { ...current, holders, queue, ...withoutWaited(current, op.holders), version: current.version + 1 };
}

/** The record's `waited` and `tokens` without those of `gone` holders. */
function withoutWaited(
  current: SlotRecord,
  gone: readonly string[],
): { waited?: Record<string, number>; tokens?: Record<string, number> } {
  const keep = (map: Readonly<Record<string, number>>) =>
    Object.fromEntries(Object.entries(map).filter(([h]) => !gone.includes(h)));
  return {
    ...(current.waited === undefined ? {} : { waited: keep(current.waited) }),
    ...(current.tokens === undefined ? {} : { tokens: keep(current.tokens) }),
  };
}

/**
 * Who holds or waits for a slot: a run (a run-level limit), or a task of a run (its attempt: one at a time,
 * so a takeover finds its slot held already, and a waiter keeps its place whichever worker asks).
 */
export type SlotHolder =
  | { readonly kind: 'run'; readonly runId: string }
  | { readonly kind: 'task'; readonly runId: string; readonly taskId: string };

export function holderId(holder: SlotHolder): string {
  return JSON.stringify(
    holder.kind === 'run' ? ['run', holder.runId] : ['task', holder.runId, holder.taskId],
  );
}

export function parseHolder(id: string): SlotHolder | undefined {
  try {
    const parts = JSON.parse(id) as unknown;
    if (!Array.isArray(parts) || !parts.every((part) => typeof part === 'string')) return undefined;
    const [kind, runId, taskId] = parts as string[];
    if (kind === 'run' && runId !== undefined) return { kind, runId };
    if (kind === 'task' && runId !== undefined && taskId !== undefined) return { kind, runId, taskId };
    return undefined;
  } catch {
    return undefined;
  }
}
