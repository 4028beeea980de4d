import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import type { EngineMetrics } from '../../../src/runtime/metrics.ts';
import { noopMetrics } from '../../../src/runtime/metrics.ts';
import { DynamoDbRunStore } from '../../../src/store/dynamodb-run-store.ts';
import { casMetrics } from '../../support/cas-metrics.ts';

const ddb = mockClient(DynamoDBDocumentClient);

const checkpoint = {
  runId: 'r',
  taskId: 'a',
  owner: 'w1',
  attempt: 1,
  output: '"ok"',
  lamport: 3,
  now: 1,
  expiresAt: 2,
  event: { type: 'task.succeeded', lamport: 3, at: 'now' },
};
const claim = {
  runId: 'r',
  taskId: 'a',
  owner: 'w1',
  now: 1,
  leaseUntil: 2,
  lamport: 3,
  depCount: 0,
  event: { type: 'task.claimed', lamport: 3, at: 'now' },
};

function store(metrics: EngineMetrics = noopMetrics): DynamoDbRunStore {
  return new DynamoDbRunStore(
    new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
    'weft',
    metrics,
  );
}

afterEach(() => ddb.reset());

describe('DynamoDbRunStore', () => {
  it('sends the checkpoint operation as its fenced condition and maps the new item', async () => {
    ddb
      .on(UpdateCommand)
      .resolves({ Attributes: { sk: 'TASK#a', taskId: 'a', st: 'succeeded', output: '"ok"' } });
    const { metrics, seen } = casMetrics();
    const outcome = await store(metrics).checkpoint(checkpoint);
    expect(outcome).toMatchObject({ ok: true, record: { taskId: 'a', status: 'succeeded', output: '"ok"' } });
    const sent = ddb.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(sent?.ConditionExpression).toBe('#st = :running AND #owner = :owner AND attempt = :attempt');
    expect(seen).toEqual(['attempt:checkpoint']);
  });

  it('turns a failed condition into a conflict carrying the current item from ALL_OLD', async () => {
    ddb.on(UpdateCommand).rejects(
      new ConditionalCheckFailedException({
        message: 'The conditional request failed',
        $metadata: {},
        Item: marshall({ sk: 'TASK#a', taskId: 'a', st: 'running', attempt: 2, owner: 'w2' }),
      }),
    );
    const { metrics, seen } = casMetrics();
    const outcome = await store(metrics).checkpoint(checkpoint);
    expect(outcome).toMatchObject({ ok: false, current: { status: 'running', attempt: 2, owner: 'w2' } });
    expect(seen).toEqual(['attempt:checkpoint', 'conflict:checkpoint']);
    expect(ddb.commandCalls(GetCommand)).toHaveLength(0);
  });

  it('re-reads the item when the endpoint does not return ALL_OLD', async () => {
    ddb.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'failed', $metadata: {} }));
    ddb.on(GetCommand).resolves({ Item: { sk: 'TASK#a', taskId: 'a', st: 'failed' } });
    const outcome = await store().checkpoint(checkpoint);
    expect(outcome).toMatchObject({ ok: false, current: { status: 'failed' } });
    expect(ddb.commandCalls(GetCommand)[0]?.args[0].input).toMatchObject({ ConsistentRead: true });
  });

  it('raises throttling (after the SDK retries) instead of treating it as a conflict', async () => {
    ddb
      .on(UpdateCommand)
      .rejects(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }));
    const { metrics, seen } = casMetrics();
    await expect(store(metrics).claimTask(claim)).rejects.toBeInstanceOf(
      ProvisionedThroughputExceededException,
    );
    expect(seen).toEqual(['attempt:claim']);
  });
});
