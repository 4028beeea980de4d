/**
 * The engine suite on the embedded SQLite store: the same cases as on dynalite and DynamoDB Local, driven
 * through a queue with SQS's semantics, so the two store adapters are held to one set of behaviours.
 */
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

const sqlite = () => ({ kind: 'sqlite' as const });

happyPathCases(sqlite);
failureCases(sqlite);
recoveryCases(sqlite);
deadlineCases(sqlite);
conditionCases(sqlite);
sleepCases(sqlite);
callbackCases(sqlite);
childCases(sqlite);
mapCases(sqlite);
concurrencyCases(sqlite);
lockCases(sqlite);
pauseCases(sqlite);
modeCases(sqlite);
mapPauseCases(sqlite);
ceilingCases(sqlite);
wideCases(sqlite);
boundedPassCases(sqlite);
