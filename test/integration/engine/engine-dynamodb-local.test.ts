/**
 * The same engine suite against DynamoDB Local (Java), whenever `java` is found: the emulator closest to
 * the real service's condition-expression and item-size semantics.
 */
import { afterAll, beforeAll, describe, inject } from 'vitest';
import { callbackCases } from './cases-callbacks.ts';
import { childCases } from './cases-children.ts';
import { concurrencyCases } from './cases-concurrency.ts';
import { conditionCases, sleepCases } from './cases-conditions.ts';
import { deadlineCases } from './cases-deadline.ts';
import { failureCases } from './cases-failure.ts';
import { happyPathCases } from './cases-happy.ts';
import { lockCases } from './cases-locks.ts';
import { mapCases } from './cases-map.ts';
import { mapPauseCases } from './cases-map-pause.ts';
import { modeCases } from './cases-mode.ts';
import { pauseCases } from './cases-pause.ts';
import { recoveryCases } from './cases-recovery.ts';
import { boundedPassCases, wideCases } from './cases-wide.ts';
import { type DynamoDbLocal, hasJava, startDynamoDbLocal } from './dynamodb-local.ts';

describe.runIf(hasJava())('engine on DynamoDB Local', () => {
  let local: DynamoDbLocal | undefined;
  beforeAll(async () => {
    local = await startDynamoDbLocal();
  }, 90_000);
  afterAll(async () => {
    await local?.close();
  });
  const endpoints = () => {
    if (!local) throw new Error('DynamoDB Local is not running');
    return { dynamodb: local.endpoint, sqs: inject('sqsEndpoint') };
  };
  happyPathCases(endpoints);
  failureCases(endpoints);
  recoveryCases(endpoints);
  deadlineCases(endpoints);
  conditionCases(endpoints);
  sleepCases(endpoints);
  callbackCases(endpoints);
  // the crash at the child's creation does not settle under the full suite's load here either (nor on
  // dynalite): left to investigate, see the closing note of 2026-12-03
  childCases(endpoints);
  mapCases(endpoints);
  concurrencyCases(endpoints);
  lockCases(endpoints);
  pauseCases(endpoints);
  modeCases(endpoints);
  mapPauseCases(endpoints);
  wideCases(endpoints);
  boundedPassCases(endpoints);
});
