import { queueDelaySeconds } from '../engine/retry.ts';
import type { QueueMessage } from '../engine/types.ts';
import type { QueueEntry, TaskQueue } from '../queue/task-queue.ts';

/** The longest delay a timer takes. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What a lane runs, and which messages it keeps. */
export interface SyncLaneOptions {
  /** The queue everything else goes to (and what the lane still holds, once it closes). */
  readonly queue: TaskQueue;
  /** Whether the lane runs this message itself (while open). */
  readonly keeps: (message: QueueMessage) => boolean;
  /** Handles one message in this process, with the lane as its queue. */
  readonly handle: (message: QueueMessage) => Promise<void>;
  readonly now: () => number;
}

/**
 * The queue of a sync run's accepting process: the run's own dispatches (its critical path, its Saga, its
 * deadline) are handled here, in this process, with no queue hop; everything else (a `mode: async` task,
 * another run's work) goes to the real queue. A lane only speeds dispatch up, like any queue: every message
 * it holds stands for a dispatch the store records, so a process that dies with its lane loses nothing (the
 * recovery pass sends those dispatches again). On close, what it still holds goes to the real queue with
 * its remaining delay, and so does anything sent to it afterwards.
 */
export class SyncLane implements TaskQueue {
  private open = true;
  private busy = 0;
  private readonly timers = new Map<ReturnType<typeof setTimeout>, QueueEntry>();
  private readonly listeners = new Set<() => void>();
  /** The first error a handling raised: the process, as far as this run goes, died there. */
  failure: { readonly error: unknown } | undefined;

  constructor(private readonly options: SyncLaneOptions) {}

  async send(entries: readonly QueueEntry[]): Promise<void> {
    const forwarded: QueueEntry[] = [];
    for (const entry of entries) {
      if (this.open && this.options.keeps(entry.message)) this.schedule(entry);
      else forwarded.push(entry);
    }
    if (forwarded.length > 0) await this.options.queue.send(forwarded);
  }

  /** Whether the lane has nothing running (it may hold delayed messages). */
  get idle(): boolean {
    return this.busy === 0;
  }

  /** Resolves when a handling ends (or fails), or after `ms` (a wait without end: `Infinity`). */
  settled(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(done);
        resolve();
      };
      // past a timer's range Node fires at once: an unbounded wait would spin
      const timer = setTimeout(done, Math.min(ms, MAX_TIMER_MS));
      this.listeners.add(done);
    });
  }

  /**
   * Stops keeping messages: those still delayed go to the real queue with what is left of their delay
   * (none after a failure: a dead process sends nothing, the recovery pass does).
   */
  async close(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    const held = [...this.timers.values()];
    for (const timer of this.timers.keys()) clearTimeout(timer);
    this.timers.clear();
    if (this.failure || held.length === 0) return;
    const now = this.options.now();
    await this.options.queue.send(held.map((entry) => remaining(entry, now)));
  }

  private schedule(entry: QueueEntry): void {
    const now = this.options.now();
    const due = entry.notBefore ?? now + (entry.delaySeconds ?? 0) * 1000;
    if (due <= now) {
      this.start(entry.message);
      return;
    }
    // a timer only holds 2^31 - 1 ms: a wake further out is the real queue's (and the recovery pass's)
    if (due - now > MAX_TIMER_MS) {
      void this.options.queue.send([entry]).catch(() => {});
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.start(entry.message);
    }, due - now);
    this.timers.set(timer, { ...entry, notBefore: due });
  }

  private start(message: QueueMessage): void {
    if (this.failure) return;
    this.busy += 1;
    // not awaited: a send returns at once, as with a queue; the lane's waiter learns of the end
    this.options
      .handle(message)
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => {
        this.busy -= 1;
        for (const listener of [...this.listeners]) listener();
      });
  }
}

/** An entry sent later: its delay shortened by the time it already waited. */
function remaining(entry: QueueEntry, now: number): QueueEntry {
  if (entry.notBefore === undefined) return { message: entry.message };
  return {
    message: entry.message,
    delaySeconds: queueDelaySeconds(entry.notBefore, now),
    notBefore: entry.notBefore,
  };
}
