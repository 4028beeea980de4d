import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { EngineMetrics } from '../runtime/metrics.ts';
import { METRIC } from './metric-names.ts';

/**
 * The engine's figures as CloudWatch metrics in Embedded Metric Format (Powertools Metrics). Values are
 * buffered; the Lambda entry points publish them at the end of each invocation (`publishStoredMetrics`).
 *
 * @example
 * const metrics = createMetrics();
 * const runtime = createAwsRuntime({ ..., metrics: new PowertoolsEngineMetrics(metrics) });
 */
export class PowertoolsEngineMetrics implements EngineMetrics {
  constructor(private readonly metrics: Metrics) {}

  casAttempt(_kind: string): void {
    this.metrics.addMetric(METRIC.casAttempts, MetricUnit.Count, 1);
  }

  casConflict(_kind: string): void {
    this.metrics.addMetric(METRIC.casConflicts, MetricUnit.Count, 1);
  }

  schedulingLatency(ms: number): void {
    this.metrics.addMetric(METRIC.schedulingLatency, MetricUnit.Milliseconds, ms);
  }

  lockWait(ms: number): void {
    this.metrics.addMetric(METRIC.lockWait, MetricUnit.Milliseconds, ms);
  }

  taskFinished(_taskId: string, status: 'succeeded' | 'failed', durationMs: number): void {
    this.metrics.addMetric(METRIC.taskDuration, MetricUnit.Milliseconds, durationMs);
    this.metrics.addMetric(
      status === 'succeeded' ? METRIC.tasksSucceeded : METRIC.tasksFailed,
      MetricUnit.Count,
      1,
    );
  }

  runFinished(status: 'succeeded' | 'failed' | 'cancelled', durationMs: number): void {
    this.metrics.addMetric(METRIC.runDuration, MetricUnit.Milliseconds, durationMs);
    const counter =
      status === 'succeeded'
        ? METRIC.runsSucceeded
        : status === 'failed'
          ? METRIC.runsFailed
          : METRIC.runsCancelled;
    this.metrics.addMetric(counter, MetricUnit.Count, 1);
  }

  rollbackFinished(outcome: 'completed' | 'incomplete'): void {
    this.metrics.addMetric(
      outcome === 'completed' ? METRIC.rollbackSucceeded : METRIC.rollbackFailed,
      MetricUnit.Count,
      1,
    );
  }
}
