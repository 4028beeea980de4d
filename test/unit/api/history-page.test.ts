import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeCursor,
  encodeCursor,
  HISTORY_PAGE_DEFAULT,
  HISTORY_PAGE_MAX,
  type HistoryQuery,
  historyPage,
  parseHistoryQuery,
} from '../../../src/api/history-page.ts';
import { compareHistory } from '../../../src/engine/views.ts';
import type { HistoryEvent } from '../../../src/runtime/types.ts';

const at = '2026-01-01T00:00:00.000Z';

/** A history as the runtime gives it: sorted, run events (no task id) first among equal times. */
function historyOf(count: number): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  for (let lamport = 1; events.length < count; lamport += 1) {
    events.push({ lamport, at, type: 'run.note' });
    for (const taskId of ['b', 'a', 'C']) events.push({ lamport, at, type: 'task.claimed', taskId });
  }
  return events.slice(0, count).sort(compareHistory);
}

/** Every page from the first, following `next`. */
function allPages(events: readonly HistoryEvent[], limit: number, maxBytes?: number): HistoryEvent[][] {
  const pages: HistoryEvent[][] = [];
  let query: HistoryQuery = { limit };
  while (pages.length <= events.length) {
    const page = historyPage(events, query, maxBytes);
    pages.push([...page.events]);
    if (page.next === undefined) return pages;
    // through the text a client gets, as the API hands it out
    const after = decodeCursor('r1', encodeCursor('r1', page.next));
    if (!after.ok) throw new Error(after.problem.message);
    query = { limit, after: after.value };
  }
  throw new Error(`more pages than events: the cursor does not move on (${JSON.stringify(query)})`);
}

describe('historyPage', () => {
  it('cuts the history into pages that put it back together exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 12 }), (count, limit) => {
        const events = historyOf(count);
        const pages = allPages(events, limit);
        expect(pages.flat()).toEqual(events);
        for (const page of pages.slice(0, -1)) expect(page).toHaveLength(limit);
        expect(pages.at(-1)?.length ?? 0).toBeLessThanOrEqual(limit);
      }),
    );
  });

  it('answers the whole of a short history in one page, without a next cursor', () => {
    const events = historyOf(5);
    expect(historyPage(events, { limit: HISTORY_PAGE_DEFAULT })).toEqual({ events });
    expect(historyPage([], { limit: 10 })).toEqual({ events: [] });
  });

  it('stops a page before its bytes pass the ceiling, one event at least', () => {
    const big = (lamport: number): HistoryEvent => ({
      lamport,
      at,
      type: 'task.failed',
      taskId: 't',
      detail: { message: 'x'.repeat(1000) },
    });
    const events = [big(1), big(2), big(3), big(4), big(5)];
    const pages = allPages(events, 100, 2500);
    expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
    expect(allPages(events, 100, 10).map((page) => page.length)).toEqual([1, 1, 1, 1, 1]);
  });

  it('goes on after events that share a key, by counting them', () => {
    const twin = (type: string): HistoryEvent => ({ lamport: 3, at, type, taskId: 'a' });
    const events = [{ lamport: 1, at, type: 'run.submitted' }, twin('one'), twin('two'), twin('three')];
    expect(allPages(events, 2).flat()).toEqual(events);
    expect(allPages(events, 1).flat()).toEqual(events);
  });

  it('starts after the cursor even when the event it names is gone', () => {
    const events = historyOf(8);
    const page = historyPage(events, { limit: 10, after: { lamport: 1, taskId: 'aa', seen: 1 } });
    expect(page.events[0]).toMatchObject({ lamport: 1, taskId: 'b' });
  });
});

describe('history cursors', () => {
  it('decode what they encode, for their own run only', () => {
    const cursor = { lamport: 42, taskId: 'charge', seen: 1 };
    const text = encodeCursor('r1', cursor);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor('r1', text)).toEqual({ ok: true, value: cursor });
    const other = decodeCursor('r2', text);
    expect(other.ok ? 'decoded' : other.problem).toMatchObject({
      status: 400,
      code: 'history.invalidCursor',
      field: 'next',
      message: expect.stringContaining("another run's history"),
    });
  });

  it.each([
    ['not base64url', 'abc+/='],
    ['not JSON', Buffer.from('{oops').toString('base64url')],
    ['the wrong shape', Buffer.from('[1,"r1",42]').toString('base64url')],
    ['another version', Buffer.from('[2,"r1",42,"a",1]').toString('base64url')],
    ['a negative time', Buffer.from('[1,"r1",-1,"a",1]').toString('base64url')],
    ['a fractional count', Buffer.from('[1,"r1",4,"a",1.5]').toString('base64url')],
    ['no count', Buffer.from('[1,"r1",4,"a",0]').toString('base64url')],
    ['not canonical', Buffer.from('[1, "r1", 4, "a", 1]').toString('base64url')],
    ['too long', 'A'.repeat(2000)],
  ])('reject one that is %s', (_, text) => {
    const decoded = decodeCursor('r1', text);
    expect(decoded.ok ? 'decoded' : decoded.problem.code).toBe('history.invalidCursor');
  });
});

describe('parseHistoryQuery', () => {
  it('defaults the limit and starts at the beginning', () => {
    expect(parseHistoryQuery('r1', {})).toEqual({ ok: true, value: { limit: HISTORY_PAGE_DEFAULT } });
    expect(parseHistoryQuery('r1', { limit: '', next: '' })).toEqual({
      ok: true,
      value: { limit: HISTORY_PAGE_DEFAULT },
    });
  });

  it('reads a limit and a cursor', () => {
    const next = encodeCursor('r1', { lamport: 7, taskId: '', seen: 1 });
    expect(parseHistoryQuery('r1', { limit: String(HISTORY_PAGE_MAX), next })).toEqual({
      ok: true,
      value: { limit: HISTORY_PAGE_MAX, after: { lamport: 7, taskId: '', seen: 1 } },
    });
  });

  it.each(['0', '-1', '1.5', '1e3', 'ten', String(HISTORY_PAGE_MAX + 1), '10,20', ' 5', '9'.repeat(30)])(
    'rejects the limit %j',
    (limit) => {
      const parsed = parseHistoryQuery('r1', { limit });
      expect(parsed.ok ? 'parsed' : parsed.problem).toMatchObject({
        status: 400,
        code: 'history.invalidLimit',
        field: 'limit',
      });
    },
  );

  it('rejects a parameter it does not take, naming it', () => {
    const parsed = parseHistoryQuery('r1', { limt: '10' });
    expect(parsed.ok ? 'parsed' : parsed.problem).toMatchObject({
      status: 400,
      code: 'request.invalid',
      field: 'limt',
      message: expect.stringContaining("'limit' and 'next'"),
    });
  });
});
