import { randomBytes, randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { ensureTable } from '../../../src/runtime/index.ts';
import { noopMetrics } from '../../../src/runtime/metrics.ts';
import { DynamoDbRunStore } from '../../../src/store/dynamodb-run-store.ts';
import { plan } from './harness.ts';

describe('pinned plans in the table', () => {
  it('stores a plan larger than one item in chunks, once, and reads it back by version', async () => {
    const dynamodb = new DynamoDBClient({
      endpoint: inject('dynamodbEndpoint'),
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const tableName = `weft-plans-${randomUUID().slice(0, 8)}`;
    await ensureTable(dynamodb, tableName);
    const store = new DynamoDbRunStore(dynamodb, tableName, noopMetrics);
    // incompressible text: about 1 MB gzipped, four 300 KB chunks
    const big = {
      ...plan('workflow:\n  name: big\n  tasks:\n    - id: a\n'),
      description: randomBytes(750_000).toString('base64'),
    };
    await store.savePlan(big);
    await store.savePlan(big);
    expect(await store.loadPlan('big', big.version)).toEqual(big);
    expect(await store.loadPlan('big', 'another-version')).toBeUndefined();
  });
});
