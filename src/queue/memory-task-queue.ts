import type { QueueMessage } from '../engine/types.ts';
import type { QueueEntry, TaskQueue } from './task-queue.ts';

/** What the queue does with each message it delivers; a throw is reported, and the store keeps the truth. */
export type MessageHandler = (message: QueueMessage) => Promise<void>;

export interface MemoryTaskQueueOptions {
  /** Messages handled at once, at most. Default 32. */
  readonly concurrency?: number;
  /** Told about handler throws; the queue carries on. */
  readonly onError?: (error: unknown) => void;
}

/** One message waiting for its turn. */
interface Waiting {
  message: QueueMessage;
  dueAt: number;
  timer?: NodeJS.Timeout;
  /** In the due list. */
  due: boolean;
}

/**
 * The embedded backend's queue: messages live in this process only. Like SQS it is a hint, never the
 * truth: what it loses with the process, the recovery pass rebuilds from the store at the next start. A
 * message is handed to the handler at once when a slot is free (no hop through another process), later
 * ones in arrival order; a delayed one waits on a timer. A message for a task already waiting is merged
 * into it (the earlier due time wins), so recovery passes that resend what is still queued add no work.
 *
 * @example
 * const queue = new MemoryTaskQueue({ concurrency: 32 });
 * queue.start((message) => runtime.handle(message));
 * await queue.send([{ message }]);
 */
export class MemoryTaskQueue implements TaskQueue {
  private readonly concurrency: number;
  private readonly onError: (error: unknown) => void;
  /** Due messages in arrival order. */
  private readonly ready: Waiting[] = [];
  /** Every waiting message (due or delayed) by its key. */
  private readonly byKey = new Map<string, Waiting>();
  private readonly inFlight = new Set<Promise<void>>();
  private handler: MessageHandler | undefined;
  private stopped = false;

  constructor(options: MemoryTaskQueueOptions = {}) {
    this.concurrency = Math.max(1, options.concurrency ?? 32);
    this.onError = options.onError ?? (() => {});
  }

  async send(entries: readonly QueueEntry[]): Promise<void> {
    if (this.stopped) return;
    const now = Date.now();
    for (const { message, delaySeconds = 0, notBefore } of entries) {
      const delayed = now + delaySeconds * 1000;
      // to the millisecond: a sleep of 1.5 s wakes at 1.5 s, not at SQS's 2
      this.enqueue(message, notBefore === undefined ? delayed : Math.max(now, Math.min(delayed, notBefore)));
    }
    this.pump();
  }

  /** Starts handing messages to `handler`, those sent before included. */
  start(handler: MessageHandler): void {
    this.handler = handler;
    this.pump();
  }

  /** Messages waiting (due or delayed) and being handled. */
  get size(): { readonly waiting: number; readonly inFlight: number } {
    return { waiting: this.byKey.size, inFlight: this.inFlight.size };
  }

  /** Drops what is waiting and resolves once the messages in hand are handled. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const waiting of this.byKey.values()) clearTimeout(waiting.timer);
    this.byKey.clear();
    this.ready.length = 0;
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private enqueue(message: QueueMessage, dueAt: number): void {
    const key = keyOf(message);
    const waiting = this.byKey.get(key);
    if (waiting) {
      // a hint for the same item: keep one, due at the earlier time, carrying the later Lamport time
      if (message.kind !== 'deadline' && waiting.message.kind !== 'deadline') {
        if (message.lamport > waiting.message.lamport) waiting.message = message;
      }
      // due now: at once, even if the waiting one's time has passed but its timer has not fired yet
      // (a busy loop runs timers late; an unref'd one would not even keep the process alive for it)
      if (dueAt < waiting.dueAt || (dueAt <= Date.now() && !waiting.due)) {
        this.schedule(waiting, Math.min(dueAt, waiting.dueAt));
      }
      return;
    }
    const entry: Waiting = { message, dueAt, due: false };
    this.byKey.set(key, entry);
    this.schedule(entry, dueAt);
  }

  private schedule(entry: Waiting, dueAt: number): void {
    clearTimeout(entry.timer);
    entry.timer = undefined;
    entry.dueAt = dueAt;
    const wait = dueAt - Date.now();
    if (wait <= 0) {
      this.markDue(entry);
      return;
    }
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      this.markDue(entry);
      this.pump();
    }, wait);
    // a delayed hint must not keep the process alive: the store has it, recovery resends it
    entry.timer.unref();
  }

  private markDue(entry: Waiting): void {
    if (entry.due) return;
    entry.due = true;
    this.ready.push(entry);
  }

  private pump(): void {
    const handler = this.handler;
    if (!handler || this.stopped) return;
    while (this.inFlight.size < this.concurrency && this.ready.length > 0) {
      const entry = this.ready.shift() as Waiting;
      this.byKey.delete(keyOf(entry.message));
      const done = handler(entry.message)
        .catch((error: unknown) => this.onError(error))
        .finally(() => {
          this.inFlight.delete(done);
          this.pump();
        });
      this.inFlight.add(done);
    }
  }
}

function keyOf(message: QueueMessage): string {
  return message.kind === 'deadline'
    ? `${message.runId}\u0000deadline`
    : `${message.runId}\u0000${message.taskId}\u0000${message.kind}`;
}
