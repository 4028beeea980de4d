/**
 * The listing of active runs on DynamoDB, a page at a time: the sparse index's shards one after the other
 * (`ACTIVE#0..7`, each in creation order), one Query per shard page with `Limit`, and a cursor that names
 * the shard and the key where the page stopped. Only keys are read (the index is `KEYS_ONLY`).
 */
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ACTIVE_SHARDS, activeShards, type Item } from './item-layout.ts';
import type { ActiveRunsPage } from './run-store.ts';
import { TABLE_SCHEMA } from './table-schema.ts';

/** Where a listing stopped: a shard, and within it the last key read (absent: from its start). */
interface Cursor {
  readonly shard: number;
  readonly key?: Item;
}

/** The cursor as the opaque `next` of a page. */
export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

/** A page's `next` read back; anything else (another store's cursor, a stale one) starts over. */
export function decodeCursor(text: string | undefined): Cursor {
  if (text === undefined) return { shard: 0 };
  try {
    const cursor = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<Cursor>;
    const shard = cursor.shard;
    if (typeof shard !== 'number' || !Number.isInteger(shard) || shard < 0) return { shard: 0 };
    return cursor.key && typeof cursor.key === 'object' ? { shard, key: cursor.key } : { shard };
  } catch {
    return { shard: 0 };
  }
}

/**
 * Up to `limit` ids of active runs after `after`, with the cursor of the rest.
 *
 * @example
 * const { runIds, next } = await queryActiveRuns(doc, 'weft', { limit: 500 });
 */
export async function queryActiveRuns(
  doc: DynamoDBDocumentClient,
  tableName: string,
  page: { readonly limit: number; readonly after?: string },
): Promise<ActiveRunsPage> {
  const index = TABLE_SCHEMA.activeRunsIndex;
  const shards = activeShards();
  const runIds: string[] = [];
  let { shard, key } = decodeCursor(page.after);
  while (shard < ACTIVE_SHARDS && runIds.length < page.limit) {
    const result = await doc.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: index.name,
        KeyConditionExpression: '#pk = :shard',
        ExpressionAttributeNames: { '#pk': index.partitionKey },
        ExpressionAttributeValues: { ':shard': shards[shard] },
        Limit: page.limit - runIds.length,
        ...(key === undefined ? {} : { ExclusiveStartKey: key }),
      }),
    );
    for (const item of result.Items ?? []) {
      if (typeof item.pk === 'string') runIds.push(item.pk.slice('RUN#'.length));
    }
    key = result.LastEvaluatedKey;
    if (key === undefined) shard += 1;
  }
  if (shard >= ACTIVE_SHARDS) return { runIds };
  return { runIds, next: encodeCursor(key === undefined ? { shard } : { shard, key }) };
}
