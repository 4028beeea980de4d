import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createLogger,
  createMetrics,
  METRIC,
  METRICS_NAMESPACE,
  PowertoolsEngineMetrics,
  structuredLogger,
} from '../../../src/observability/index.ts';

interface EmfDocument {
  _aws: {
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
  [key: string]: unknown;
}

function emitted(metrics: ReturnType<typeof createMetrics>): EmfDocument {
  return metrics.serializeMetrics() as unknown as EmfDocument;
}

describe('PowertoolsEngineMetrics', () => {
  it('records every engine figure under its metric name, with the service dimension', () => {
    const metrics = createMetrics();
    const engine = new PowertoolsEngineMetrics(metrics);
    engine.casAttempt('claim');
    engine.casAttempt('checkpoint');
    engine.casConflict('claim');
    engine.schedulingLatency(12);
    engine.schedulingLatency(40);
    engine.taskFinished('credit_check', 'succeeded', 5);
    engine.taskFinished('fraud_detection', 'failed', 7);
    engine.runFinished('failed', 300);
    engine.rollbackFinished('completed');
    engine.rollbackFinished('incomplete');
    const doc = emitted(metrics);
    const directive = doc._aws.CloudWatchMetrics[0];
    expect(directive?.Namespace).toBe(METRICS_NAMESPACE);
    expect(directive?.Dimensions).toEqual([['service']]);
    expect(doc.service).toBe('weft');
    expect(doc[METRIC.casAttempts]).toEqual([1, 1]);
    expect(doc[METRIC.casConflicts]).toBe(1);
    expect(doc[METRIC.schedulingLatency]).toEqual([12, 40]);
    expect(doc[METRIC.taskDuration]).toEqual([5, 7]);
    expect(doc[METRIC.tasksSucceeded]).toBe(1);
    expect(doc[METRIC.tasksFailed]).toBe(1);
    expect(doc[METRIC.runDuration]).toBe(300);
    expect(doc[METRIC.runsFailed]).toBe(1);
    expect(doc[METRIC.rollbackSucceeded]).toBe(1);
    expect(doc[METRIC.rollbackFailed]).toBe(1);
    const units = Object.fromEntries(directive?.Metrics.map((m) => [m.Name, m.Unit]) ?? []);
    expect(units[METRIC.schedulingLatency]).toBe('Milliseconds');
    expect(units[METRIC.casConflicts]).toBe('Count');
  });

  it('counts cancelled runs apart from failed ones', () => {
    const metrics = createMetrics();
    new PowertoolsEngineMetrics(metrics).runFinished('cancelled', 1);
    const doc = emitted(metrics);
    expect(doc[METRIC.runsCancelled]).toBe(1);
    expect(doc[METRIC.runsFailed]).toBeUndefined();
  });
});

describe('structuredLogger', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('writes JSON lines with the run and task ids as keys', () => {
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    structuredLogger(createLogger('worker')).info('task claimed', {
      runId: 'r1',
      taskId: 'credit_check',
      attempt: 2,
    });
    const line = JSON.parse(lines.join('').trim()) as Record<string, unknown>;
    expect(line).toMatchObject({
      level: 'INFO',
      message: 'task claimed',
      service: 'weft',
      component: 'worker',
      runId: 'r1',
      taskId: 'credit_check',
      attempt: 2,
    });
  });
});
