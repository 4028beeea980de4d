import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, queryActiveRuns } from '../../../src/store/active-runs.ts';

const ddb = mockClient(DynamoDBDocumentClient);
const doc = DynamoDBDocumentClient.from(
  new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
);
const key = (id: string) => ({ pk: `RUN#${id}`, sk: 'RUN', gsi1pk: 'ACTIVE#0', gsi1sk: `t#${id}` });

afterEach(() => ddb.reset());

describe('queryActiveRuns', () => {
  it('fills a page from the shards in turn and resumes from the key where it stopped', async () => {
    ddb
      .on(QueryCommand, { ExpressionAttributeValues: { ':shard': 'ACTIVE#0' } })
      .resolves({ Items: [key('a')] })
      .on(QueryCommand, { ExpressionAttributeValues: { ':shard': 'ACTIVE#1' } })
      .resolves({ Items: [key('b')], LastEvaluatedKey: key('b') });
    const page = await queryActiveRuns(doc, 'weft', { limit: 2 });
    expect(page.runIds).toEqual(['a', 'b']);
    expect(decodeCursor(page.next)).toEqual({ shard: 1, key: key('b') });
    const queries = ddb.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(queries.map((q) => q.Limit)).toEqual([2, 1]);
    expect(queries[0]).toMatchObject({ IndexName: 'gsi1', KeyConditionExpression: '#pk = :shard' });

    ddb.reset();
    ddb.on(QueryCommand).resolves({ Items: [] });
    const rest = await queryActiveRuns(doc, 'weft', { limit: 2, ...(page.next ? { after: page.next } : {}) });
    expect(rest).toEqual({ runIds: [] });
    const resumed = ddb.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(resumed[0]).toMatchObject({
      ExpressionAttributeValues: { ':shard': 'ACTIVE#1' },
      ExclusiveStartKey: key('b'),
    });
    // shards 1 to 7, the listing's end
    expect(resumed).toHaveLength(7);
  });

  it('reads a cursor it did not write as the start of the listing', () => {
    expect(decodeCursor('not a cursor')).toEqual({ shard: 0 });
    expect(decodeCursor(encodeCursor({ shard: -1 }))).toEqual({ shard: 0 });
    expect(decodeCursor(encodeCursor({ shard: 3 }))).toEqual({ shard: 3 });
  });
});
