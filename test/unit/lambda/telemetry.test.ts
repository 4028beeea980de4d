import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UserInputError } from '../../../src/errors.ts';
import { withTelemetry } from '../../../src/lambda/deps.ts';
import { readLambdaEnv } from '../../../src/lambda/env.ts';
import { createLogger, createMetrics, structuredLogger } from '../../../src/observability/index.ts';

const context = {
  callbackWaitsForEmptyEventLoop: true,
  functionName: 'weft-worker',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:weft-worker',
  memoryLimitInMB: '1024',
  awsRequestId: 'req-42',
  logGroupName: '/aws/lambda/weft-worker',
  logStreamName: 'stream',
  getRemainingTimeInMillis: () => 1000,
  done: () => {},
  fail: () => {},
  succeed: () => {},
} satisfies Context;

function captureStdout(): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
    return true;
  });
  return lines;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('withTelemetry', () => {
  it('adds the invocation context to log lines and publishes the metrics at the end', async () => {
    const lines = captureStdout();
    const metrics = createMetrics();
    const powertoolsLogger = createLogger('worker');
    const log = structuredLogger(powertoolsLogger);
    const handler = withTelemetry({ metrics, powertoolsLogger }, async (event: { n: number }) => {
      log.info('working', { runId: 'r1' });
      metrics.addMetric('CasAttempts', MetricUnit.Count, event.n);
      return event.n * 2;
    });
    expect(await handler({ n: 3 }, context)).toBe(6);
    expect(lines.find((line) => line.message === 'working')).toMatchObject({
      runId: 'r1',
      function_request_id: 'req-42',
      function_name: 'weft-worker',
    });
    expect(lines.find((line) => '_aws' in line)).toMatchObject({ CasAttempts: 3, service: 'weft' });
    expect(metrics.hasStoredMetrics()).toBe(false);
  });

  it('publishes the metrics even when the handler throws', async () => {
    const lines = captureStdout();
    const metrics = createMetrics();
    const handler = withTelemetry({ metrics, powertoolsLogger: createLogger('api') }, async () => {
      metrics.addMetric('CasConflicts', MetricUnit.Count, 1);
      throw new Error('boom');
    });
    await expect(handler({}, context)).rejects.toThrow('boom');
    expect(lines.find((line) => '_aws' in line)).toMatchObject({ CasConflicts: 1 });
  });
});

describe('readLambdaEnv', () => {
  it('reads the table, the queue and the retention', () => {
    expect(
      readLambdaEnv({
        TABLE_NAME: 't',
        QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/q',
        RETENTION_DAYS: '7',
      }),
    ).toEqual({ tableName: 't', queueUrl: 'https://sqs.eu-west-1.amazonaws.com/1/q', retentionDays: 7 });
  });

  it('defaults the retention to 30 days', () => {
    expect(readLambdaEnv({ TABLE_NAME: 't', QUEUE_URL: 'https://q.example/1/q' }).retentionDays).toBe(30);
  });

  it('rejects a missing table and a bad queue URL, naming both', () => {
    expect(() => readLambdaEnv({ QUEUE_URL: 'not a url' })).toThrow(UserInputError);
    expect(() => readLambdaEnv({ QUEUE_URL: 'not a url' })).toThrow(
      /TABLE_NAME.*QUEUE_URL|QUEUE_URL.*TABLE_NAME/,
    );
  });
});
