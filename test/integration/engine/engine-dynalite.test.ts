import { inject } from 'vitest';
import { callbackCases } from './cases-callbacks.ts';
import { ceilingCases } from './cases-ceiling.ts';
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

const endpoints = () => ({ dynamodb: inject('dynamodbEndpoint'), sqs: inject('sqsEndpoint') });

happyPathCases(endpoints);
failureCases(endpoints);
recoveryCases(endpoints);
deadlineCases(endpoints);
conditionCases(endpoints);
sleepCases(endpoints);
callbackCases(endpoints);
// the crash at the child's creation does not settle on dynalite under the full suite's load (it does alone,
// and on SQLite and DynamoDB Local): under investigation, see the closing note of 2026-12-02
childCases(endpoints);
mapCases(endpoints);
concurrencyCases(endpoints);
lockCases(endpoints);
pauseCases(endpoints);
modeCases(endpoints);
mapPauseCases(endpoints);
ceilingCases(endpoints);
wideCases(endpoints);
boundedPassCases(endpoints);
