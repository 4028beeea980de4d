import { describe, expect, it } from 'vitest';
import type { QueueMessage } from '../../../src/engine/types.ts';
import { MemoryTaskQueue } from '../../../src/queue/memory-task-queue.ts';

const message = (taskId: string, lamport = 1): QueueMessage => ({
  runId: 'r',
  taskId,
  kind: 'task',
  lamport,
  readyAt: 0,
});

/** Blocks the event loop, as a busy worker does: timers due meanwhile fire late. */
function busy(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // spin
  }
}

describe('MemoryTaskQueue', () => {
  it('hands a message over at once when a slot is free, later ones in arrival order', async () => {
    const queue = new MemoryTaskQueue({ concurrency: 1 });
    const seen: string[] = [];
    queue.start(async (m) => {
      if (m.kind !== 'deadline') seen.push(m.taskId);
    });
    await queue.send([{ message: message('a') }, { message: message('b') }]);
    expect(seen).toEqual(['a']);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(seen).toEqual(['a', 'b']);
    await queue.stop();
  });

  it('merges a message for a task already waiting: one delivery, at the earlier time', async () => {
    const queue = new MemoryTaskQueue();
    const seen: string[] = [];
    queue.start(async (m) => {
      if (m.kind !== 'deadline') seen.push(m.taskId);
    });
    await queue.send([{ message: message('a'), delaySeconds: 60, notBefore: Date.now() + 60_000 }]);
    expect(queue.size.waiting).toBe(1);
    await queue.send([{ message: message('a', 2) }]);
    expect(seen).toEqual(['a']);
    expect(queue.size.waiting).toBe(0);
    await queue.stop();
  });

  it('delivers at once a message due now for a task whose delayed one is overdue but whose timer has not fired', async () => {
    // a lock's release wakes a waiter whose back-off copy is overdue on a busy loop: the wake-up must not
    // wait for that timer (unref'd, it would not even keep the process alive)
    const queue = new MemoryTaskQueue();
    const seen: string[] = [];
    queue.start(async (m) => {
      if (m.kind !== 'deadline') seen.push(m.taskId);
    });
    await queue.send([{ message: message('a'), delaySeconds: 1, notBefore: Date.now() + 5 }]);
    busy(20);
    await queue.send([{ message: message('a') }]);
    // no timer has had a chance to run: only the merge can have delivered it
    expect(seen).toEqual(['a']);
    await queue.stop();
  });
});
