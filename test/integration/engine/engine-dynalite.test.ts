import { inject } from 'vitest';
import { callbackCases } from './cases-callbacks.ts';
import { ceilingCases } from './cases-ceiling.ts';
import { childCases } from './cases-children.ts';
import { conditionCases, sleepCases } from './cases-conditions.ts';
import { deadlineCases } from './cases-deadline.ts';
import { failureCases } from './cases-failure.ts';
import { happyPathCases } from './cases-happy.ts';
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
childCases(endpoints);
pauseCases(endpoints);
ceilingCases(endpoints);
wideCases(endpoints);
boundedPassCases(endpoints);
