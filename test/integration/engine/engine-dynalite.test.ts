import { inject } from 'vitest';
import { happyPathCases } from './cases-happy.ts';

const endpoints = () => ({ dynamodb: inject('dynamodbEndpoint'), sqs: inject('sqsEndpoint') });

happyPathCases(endpoints);
