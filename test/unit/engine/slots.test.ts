import { describe, expect, it } from 'vitest';
import {
  acquireSlot,
  evictSlot,
  holderId,
  holds,
  MAX_WAITERS,
  nextWaiters,
  parseHolder,
  releaseSlot,
  type SlotRecord,
  STALE_WAITER_MS,
} from '../../../src/engine/slots.ts';

const take = (record: SlotRecord | undefined, holder: string, now = 1000, limit = 2) =>
  acquireSlot(record, { key: 'k', limit, holder, now });

describe('concurrency slots', () => {
  it('admits up to the limit, then queues in arrival order', () => {
    let record = take(undefined, 'a');
    record = take(record, 'b');
    record = take(record, 'c');
    record = take(record, 'd');
    expect(Object.keys(record.holders)).toEqual(['a', 'b']);
    expect(record.queue.map((w) => w.id)).toEqual(['c', 'd']);
    expect(take(record, 'a')).toBe(record);
  });

  it('admits a freed slot to the first in line only: a later waiter asking first does not overtake', () => {
    let record = take(take(take(take(undefined, 'a'), 'b'), 'c'), 'd');
    record = releaseSlot(record, { key: 'k', holder: 'a' }) as SlotRecord;
    expect(nextWaiters(record)).toEqual(['c']);
    const overtaking = take(record, 'd', 1500);
    expect(holds(overtaking, 'd')).toBe(false);
    const first = take(overtaking, 'c', 1600);
    expect(holds(first, 'c')).toBe(true);
    expect(first.queue.map((w) => w.id)).toEqual(['d']);
  });

  it('drops a waiter that stopped asking, and queues no more than the cap', () => {
    const full = take(take(take(undefined, 'a', 0, 1), 'gone', 0, 1), 'late', STALE_WAITER_MS + 1, 1);
    expect(full.queue.map((w) => w.id)).toEqual(['late']);
    let crowded = take(undefined, 'a', 0, 1);
    for (let i = 0; i < MAX_WAITERS + 5; i += 1) crowded = take(crowded, `w${i}`, 0, 1);
    expect(crowded.queue).toHaveLength(MAX_WAITERS);
  });

  it('refuses to release or evict what nobody holds', () => {
    const record = take(undefined, 'a');
    expect(releaseSlot(record, { key: 'k', holder: 'b' })).toBeUndefined();
    expect(evictSlot(record, { key: 'k', holders: ['b'] })).toBeUndefined();
    expect(evictSlot(record, { key: 'k', holders: ['a', 'b'] })?.holders).toEqual({});
  });

  it('names holders so that a run and a task never collide, and reads the names back', () => {
    const run = holderId({ kind: 'run', runId: 'r|1' });
    const task = holderId({ kind: 'task', runId: 'r', taskId: '1' });
    expect(run).not.toBe(task);
    expect(parseHolder(run)).toEqual({ kind: 'run', runId: 'r|1' });
    expect(parseHolder(task)).toEqual({ kind: 'task', runId: 'r', taskId: '1' });
    expect(parseHolder('nonsense')).toBeUndefined();
  });
});
