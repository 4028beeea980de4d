import { inject } from 'vitest';
import { failureCases } from './cases-failure.ts';
import { happyPathCases } from './cases-happy.ts';

const endpoints = () => ({ dynamodb: inject('dynamodbEndpoint'), sqs: inject('sqsEndpoint') });

happyPathCases(endpoints);
failureCases(endpoints);
