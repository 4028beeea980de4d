import { describe, expect, it } from 'vitest';
import type { QueueMessage } from '../../../src/engine/types.ts';
import type { QueueEntry } from '../../../src/queue/task-queue.ts';
import { SyncLane } from '../../../src/runtime/sync-lane.ts';

const message = (taskId: string): QueueMessage => ({
  kind: 'task',
  runId: 'r1',
  taskId,
  lamport: 1,
  readyAt: 0,
});

function lane(handle: (message: QueueMessage) => Promise<void>) {
  const forwarded: QueueEntry[] = [];
  const syncLane = new SyncLane({
    queue: { send: async (entries) => void forwarded.push(...entries) },
    keeps: (m) => m.kind === 'task' && m.taskId !== 'async',
    handle,
    now: Date.now,
  });
  return { syncLane, forwarded };
}

describe('SyncLane', () => {
  it('runs what it keeps here and sends the rest to the queue', async () => {
    const handled: string[] = [];
    const { syncLane, forwarded } = lane(
      async (m) => void handled.push(m.kind === 'task' ? m.taskId : m.kind),
    );
    await syncLane.send([{ message: message('a') }, { message: message('async') }]);
    await syncLane.settled(1_000);
    expect(handled).toEqual(['a']);
    expect(forwarded.map((e) => (e.message.kind === 'task' ? e.message.taskId : ''))).toEqual(['async']);
  });

  it('waits without end for a handling with an unbounded wait (no 1 ms timer spinning)', async () => {
    let finish: () => void = () => {};
    const { syncLane } = lane(() => new Promise<void>((resolve) => (finish = resolve)));
    await syncLane.send([{ message: message('a') }]);
    const settled = syncLane.settled(Number.POSITIVE_INFINITY).then(() => 'settled');
    const later = new Promise((resolve) => setTimeout(() => resolve('50 ms'), 50));
    expect(await Promise.race([settled, later])).toBe('50 ms');
    finish();
    expect(await settled).toBe('settled');
  });

  it('hands what it still holds to the queue on close, with what is left of its delay', async () => {
    const { syncLane, forwarded } = lane(async () => {});
    await syncLane.send([{ message: message('a'), delaySeconds: 60, notBefore: Date.now() + 60_000 }]);
    await syncLane.close();
    expect(forwarded).toHaveLength(1);
    expect(forwarded[0]?.delaySeconds).toBeGreaterThanOrEqual(59);
  });
});
