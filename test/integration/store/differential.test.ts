/**
 * The SQLite store against the DynamoDB store on dynalite, operation by operation: random sequences of
 * operations on one run are sent to both, and after every one they must agree on whether it was accepted
 * and on the record (the new one, or the current one on a refusal), and at the end on the whole run. The
 * SQLite store applies the engine's transitions (src/engine/transitions/), the DynamoDB store sends the
 * request builders' ConditionExpressions: this is what keeps the two statements of each precondition one.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { TaskRecord } from '../../../src/engine/types.ts';
import { DynamoDbRunStore } from '../../../src/store/dynamodb-run-store.ts';
import { ensureTable } from '../../../src/store/ensure-table.ts';
import type { RunState, RunStore } from '../../../src/store/run-store.ts';
import { SqliteRunStore } from '../../../src/store/sqlite-run-store.ts';
import { casMetrics } from '../../support/cas-metrics.ts';
import { applyStep, RUN_STEPS, type StepName, stepsArbitrary } from './store-steps.ts';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const tally = new Map<StepName, { accepted: number; refused: number }>();
let client: DynamoDBClient;
let tableName: string;
let runs = 0;

/** Every active run, read in small pages, so that the listing's cursors are exercised too. */
async function allActive(store: RunStore): Promise<string[]> {
  const ids: string[] = [];
  let after: string | undefined;
  do {
    const page = await store.activeRuns({ limit: 7, ...(after === undefined ? {} : { after }) });
    ids.push(...page.runIds);
    after = page.next;
  } while (after !== undefined);
  return ids;
}

function comparable(state: RunState | undefined) {
  return state && { run: state.run, tasks: Object.fromEntries(state.tasks) };
}

beforeAll(async () => {
  client = new DynamoDBClient({ endpoint: inject('dynamodbEndpoint'), region: 'us-east-1', credentials });
  tableName = `weft-differential-${randomUUID().slice(0, 8)}`;
  await ensureTable(client, tableName);
});

afterAll(() => {
  const lines = [...tally]
    .sort()
    .map(([name, t]) => `${name.padEnd(24)} ${t.accepted} accepted, ${t.refused} refused`);
  console.log(`operations over ${runs} sequences:\n${lines.join('\n')}`);
  client?.destroy();
});

describe('SqliteRunStore and DynamoDbRunStore', () => {
  it('agree on every outcome and record of random operation sequences', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(stepsArbitrary, async (steps) => {
        runs += 1;
        const runId = `diff-${runs}-${randomUUID().slice(0, 8)}`;
        const dynamoCounts = casMetrics();
        const sqliteCounts = casMetrics();
        const dynamo = new DynamoDbRunStore(client, tableName, dynamoCounts.metrics);
        const sqlite = new SqliteRunStore(':memory:', sqliteCounts.metrics);
        // each task's last record, as both stores agreed on it: who holds its claim
        const reference = new Map<string, TaskRecord>();
        try {
          for (const [index, step] of steps.entries()) {
            const expected = await applyStep(dynamo, runId, index, step, reference);
            const actual = await applyStep(sqlite, runId, index, step, reference);
            expect(actual, `step ${index}: ${step.name}`).toStrictEqual(expected);
            const t = tally.get(step.name) ?? { accepted: 0, refused: 0 };
            if (expected.ok) t.accepted += 1;
            else t.refused += 1;
            tally.set(step.name, t);
            const record = expected.ok ? expected.record : expected.current;
            if (record && !RUN_STEPS.has(step.name))
              reference.set((record as TaskRecord).taskId, record as TaskRecord);
          }
          expect(comparable(await sqlite.loadRun(runId))).toStrictEqual(
            comparable(await dynamo.loadRun(runId)),
          );
          expect(await sqlite.getRun(runId)).toStrictEqual(await dynamo.getRun(runId));
          expect((await allActive(sqlite)).includes(runId)).toBe((await allActive(dynamo)).includes(runId));
          expect(sqliteCounts.seen).toEqual(dynamoCounts.seen);
        } finally {
          await sqlite.close();
        }
      }),
      { seed: 20_260_101, numRuns: 150, endOnFailure: false },
    );
  });
});

/** A random operation on one key's slots: three holders, two instants far enough apart to stale a waiter. */
const slotStep = fc.oneof(
  fc.record({
    name: fc.constant('acquire' as const),
    holder: fc.constantFrom('h1', 'h2', 'h3'),
    limit: fc.constantFrom(1, 2),
    now: fc.constantFrom(1_000, 2_000, 500_000),
  }),
  fc.record({ name: fc.constant('release' as const), holder: fc.constantFrom('h1', 'h2', 'h3') }),
  fc.record({
    name: fc.constant('evict' as const),
    holders: fc.subarray(['h1', 'h2', 'h3']),
    waiters: fc.subarray(['h1', 'h2', 'h3']),
  }),
);

describe('the two stores on concurrency slots', () => {
  it('agree on every outcome and record of random acquire, release and evict sequences', {
    timeout: 60_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(slotStep, { maxLength: 12 }), async (steps) => {
        const key = `slots-${randomUUID().slice(0, 8)}`;
        const dynamo = new DynamoDbRunStore(client, tableName, casMetrics().metrics);
        const sqlite = new SqliteRunStore(':memory:', casMetrics().metrics);
        try {
          for (const [index, step] of steps.entries()) {
            const apply = (store: RunStore) =>
              step.name === 'acquire'
                ? store.acquireSlot({ key, ...step })
                : step.name === 'release'
                  ? store.releaseSlot({ key, holder: step.holder })
                  : store.evictSlot({ key, holders: step.holders, waiters: step.waiters });
            expect(await apply(sqlite), `step ${index}: ${step.name}`).toStrictEqual(await apply(dynamo));
          }
          expect(await sqlite.getSlot(key)).toStrictEqual(await dynamo.getSlot(key));
        } finally {
          await sqlite.close();
        }
      }),
      { seed: 20_261_203, numRuns: 60 },
    );
  });
});
