/**
 * `GET /workflows/{name}/runs/{id}/history?limit=&next=`: the history in pages, so no answer reaches Lambda's 6 MB response
 * limit however long the run's history is (54,000 events are about 6 MB).
 */
import { compareHistory } from '../engine/views.ts';
import type { HistoryEvent } from '../runtime/types.ts';
import type { Parsed } from './body-limits.ts';
import { jsonBytes } from './view-budget.ts';

/** Events in a page when the request names no `limit`. */
export const HISTORY_PAGE_DEFAULT = 1000;
/** The largest `limit` a request may ask for. */
export const HISTORY_PAGE_MAX = 5000;
/** A page stops before its events' JSON would pass this (4 MiB), however few they are. */
export const HISTORY_PAGE_MAX_BYTES = 4 * 1024 * 1024;

/**
 * A position in the history: just after the `seen`-th event whose key is (`lamport`, `taskId`). The key
 * alone names one event (the history is strictly ordered by it); the count keeps a page exact even if two
 * events ever shared one.
 */
export interface HistoryCursor {
  readonly lamport: number;
  /** `''` for the run's own events. */
  readonly taskId: string;
  readonly seen: number;
}

export interface HistoryQuery {
  readonly limit: number;
  /** Absent for the first page. */
  readonly after?: HistoryCursor;
}

export interface HistoryPage {
  readonly events: readonly HistoryEvent[];
  /** Where the following page starts; absent on the last one. */
  readonly next?: HistoryCursor;
}

const CURSOR_VERSION = 1;
const MAX_CURSOR_CHARS = 1024;

/**
 * A cursor as the API hands it out: opaque base64url text, bound to its run.
 *
 * @example
 * encodeCursor('r1', { lamport: 42, taskId: 'charge', seen: 1 }); // 'WzEsInIxIiw0MiwiY2hhcmdlIiwxXQ'
 */
export function encodeCursor(runId: string, cursor: HistoryCursor): string {
  const text = JSON.stringify([CURSOR_VERSION, runId, cursor.lamport, cursor.taskId, cursor.seen]);
  return Buffer.from(text).toString('base64url');
}

/** The cursor `text` stands for, if it is one this API made for `runId`'s history; why not otherwise. */
export function decodeCursor(runId: string, text: string): Parsed<HistoryCursor> {
  const refused = (why: string): Parsed<never> => ({
    ok: false,
    problem: {
      status: 400,
      code: 'history.invalidCursor',
      message: `query parameter 'next' ${why}: pass the 'next' of the previous page as it came, or leave it out for the first page`,
      field: 'next',
    },
  });
  if (text.length > MAX_CURSOR_CHARS || !/^[A-Za-z0-9_-]+$/.test(text)) {
    return refused('is not a cursor this API gave');
  }
  let fields: unknown;
  try {
    fields = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return refused('is not a cursor this API gave');
  }
  const cursor = asCursor(fields);
  // only the canonical text of a cursor is one: anything else that happens to decode was not made here
  if (!cursor || encodeCursor(cursor.runId, cursor) !== text) return refused('is not a cursor this API gave');
  if (cursor.runId !== runId) return refused("was given for another run's history");
  return { ok: true, value: { lamport: cursor.lamport, taskId: cursor.taskId, seen: cursor.seen } };
}

function asCursor(fields: unknown): (HistoryCursor & { runId: string }) | undefined {
  if (!Array.isArray(fields) || fields.length !== 5) return undefined;
  const [version, runId, lamport, taskId, seen] = fields as unknown[];
  const count = (value: unknown, min: number): value is number =>
    Number.isSafeInteger(value) && (value as number) >= min;
  if (version !== CURSOR_VERSION || typeof runId !== 'string' || typeof taskId !== 'string') return undefined;
  if (!count(lamport, 0) || !count(seen, 1)) return undefined;
  return { runId, lamport, taskId, seen };
}

/**
 * Reads `limit` and `next` from a history request's query parameters. An empty value counts as absent (so
 * `?next=$NEXT` works for the first page too); anything else is refused with a 400 naming the parameter.
 */
export function parseHistoryQuery(
  runId: string,
  params: Readonly<Record<string, string | undefined>>,
): Parsed<HistoryQuery> {
  const unknown = Object.keys(params).find((name) => name !== 'limit' && name !== 'next');
  if (unknown !== undefined) {
    return {
      ok: false,
      problem: {
        status: 400,
        code: 'request.invalid',
        message: `unknown query parameter ${JSON.stringify(unknown.slice(0, 50))}; the history takes 'limit' and 'next'`,
        field: unknown.slice(0, 50),
      },
    };
  }
  const limitText = params.limit ?? '';
  const limit = limitText === '' ? HISTORY_PAGE_DEFAULT : Number(limitText);
  if (!/^\d*$/.test(limitText) || !Number.isSafeInteger(limit) || limit < 1 || limit > HISTORY_PAGE_MAX) {
    return {
      ok: false,
      problem: {
        status: 400,
        code: 'history.invalidLimit',
        message: `query parameter 'limit' must be a whole number from 1 to ${HISTORY_PAGE_MAX} (default ${HISTORY_PAGE_DEFAULT}), got ${JSON.stringify(limitText.slice(0, 50))}`,
        field: 'limit',
      },
    };
  }
  const nextText = params.next ?? '';
  if (nextText === '') return { ok: true, value: { limit } };
  const after = decodeCursor(runId, nextText);
  return after.ok ? { ok: true, value: { limit, after: after.value } } : after;
}

/**
 * One page of a history sorted in Lamport order: the events after `query.after`, at most `query.limit` of
 * them and at most `maxBytes` of their JSON (one event at least), and the cursor of the page after, if any.
 *
 * @example
 * const first = historyPage(events, { limit: 1000 });
 * const second = historyPage(events, { limit: 1000, after: first.next });
 */
export function historyPage(
  events: readonly HistoryEvent[],
  query: HistoryQuery,
  maxBytes: number = HISTORY_PAGE_MAX_BYTES,
): HistoryPage {
  let index = query.after === undefined ? 0 : startAfter(events, query.after);
  const page: HistoryEvent[] = [];
  let bytes = 0;
  for (; index < events.length && page.length < query.limit; index += 1) {
    const event = events[index] as HistoryEvent;
    const size = jsonBytes(event) + 1; // and its comma
    if (page.length > 0 && bytes + size > maxBytes) break;
    page.push(event);
    bytes += size;
  }
  const last = page[page.length - 1];
  if (index >= events.length || last === undefined) return { events: page };
  let seen = 1;
  while (seen < index && compareHistory(events[index - 1 - seen] as HistoryEvent, last) === 0) seen += 1;
  return { events: page, next: { lamport: last.lamport, taskId: last.taskId ?? '', seen } };
}

/** The index of the first event past the cursor. */
function startAfter(events: readonly HistoryEvent[], after: HistoryCursor): number {
  const key = { lamport: after.lamport, ...(after.taskId === '' ? {} : { taskId: after.taskId }) };
  let index = 0;
  let equal = 0;
  while (index < events.length) {
    const order = compareHistory(events[index] as HistoryEvent, key);
    if (order > 0 || (order === 0 && equal >= after.seen)) break;
    if (order === 0) equal += 1;
    index += 1;
  }
  return index;
}
