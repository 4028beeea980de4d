/**
 * Concurrency slots on DynamoDB: one item per key (`SLOT#<key>`, sort key `SLOT`), written whole by a
 * conditional Put on its version, so that a transition of src/engine/slots.ts computed from the item read
 * is applied only if nobody wrote the item since (optimistic CAS: a lost race reads again and retries).
 */
import type { PutCommandInput } from '@aws-sdk/lib-dynamodb';
import type { SlotRecord, Waiter } from '../engine/slots.ts';
import type { Item } from './item-layout.ts';

export const SLOT_PK_PREFIX = 'SLOT#';
export const SLOT_SK = 'SLOT';

export function slotKey(key: string): { pk: string; sk: string } {
  return { pk: `${SLOT_PK_PREFIX}${key}`, sk: SLOT_SK };
}

/** Maps a raw slot item to its record. */
export function toSlotRecord(item: Item): SlotRecord {
  const holders = (item.holders ?? {}) as Record<string, number>;
  const queue = Array.isArray(item.queue) ? (item.queue as Waiter[]) : [];
  return {
    key: String(item.key),
    limit: Number(item.limit ?? 1),
    holders: { ...holders },
    ...(item.waited === undefined ? {} : { waited: { ...(item.waited as Record<string, number>) } }),
    ...(item.tokens === undefined ? {} : { tokens: { ...(item.tokens as Record<string, number>) } }),
    queue: queue.map((waiter) => ({
      id: String(waiter.id),
      seenAt: Number(waiter.seenAt),
      ...(waiter.since === undefined ? {} : { since: Number(waiter.since) }),
    })),
    version: Number(item.version ?? 0),
  };
}

/** Writes `record` whole, on condition that the item is still at the version it was read at (absent: 0). */
export function putSlotRequest(tableName: string, record: SlotRecord, readVersion: number): PutCommandInput {
  return {
    TableName: tableName,
    Item: { ...slotKey(record.key), ...record },
    // nobody wrote the item since it was read: the transition was computed from what is there
    ConditionExpression: readVersion === 0 ? 'attribute_not_exists(pk)' : 'version = :read',
    ...(readVersion === 0 ? {} : { ExpressionAttributeValues: { ':read': readVersion } }),
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  };
}
