import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IAlarmAction,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRIC, METRICS_NAMESPACE, METRICS_SERVICE } from '../../src/observability/metric-names.ts';

/** A weft metric (EMF, namespace `Weft`, dimension `service`). */
export function weftMetric(metricName: string, statistic: string, period = Duration.minutes(1)): Metric {
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: METRICS_SERVICE },
    statistic,
    period,
  });
}

/** The thresholds of the product brief. */
export const ALARM_THRESHOLDS = {
  schedulingLatencyP99Ms: 5_000,
  rollbackSuccessRatePercent: 99.9,
  casConflictRatePercent: 1,
  deadLetterMessages: 0,
} as const;

export interface WeftAlarmsProps {
  readonly deadLetterQueue: IQueue;
  readonly triggerDeadLetterQueue: IQueue;
  /** Where alarms notify (an SNS topic action, say); none by default. */
  readonly alarmAction?: IAlarmAction;
}

/**
 * The orchestrator's alarms: scheduling latency p99 over 5 s, rollback success rate under 99.9 %, CAS
 * conflict rate over 1 %, any message in the dead-letter queue (and in the trigger deliveries' one).
 * Missing data (no traffic) is not a breach.
 */
export class WeftAlarms extends Construct {
  readonly schedulingLatency: Alarm;
  readonly rollbackSuccessRate: Alarm;
  readonly casConflictRate: Alarm;
  readonly deadLetters: Alarm;
  readonly triggerDeadLetters: Alarm;

  constructor(scope: Construct, id: string, props: WeftAlarmsProps) {
    super(scope, id);
    const rate = Duration.minutes(5);
    this.schedulingLatency = new Alarm(this, 'SchedulingLatencyP99', {
      alarmDescription: 'weft: p99 time from a dependency done to its dependent claimed is over 5 s',
      metric: weftMetric(METRIC.schedulingLatency, 'p99'),
      threshold: ALARM_THRESHOLDS.schedulingLatencyP99Ms,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.rollbackSuccessRate = new Alarm(this, 'RollbackSuccessRate', {
      alarmDescription: 'weft: under 99.9 % of Saga rollbacks completed (a compensation failed for good)',
      metric: new MathExpression({
        label: 'Rollback success rate (%)',
        expression: 'IF((ok + failed) > 0, 100 * ok / (ok + failed), 100)',
        usingMetrics: {
          ok: weftMetric(METRIC.rollbackSucceeded, 'Sum', rate),
          failed: weftMetric(METRIC.rollbackFailed, 'Sum', rate),
        },
        period: rate,
      }),
      threshold: ALARM_THRESHOLDS.rollbackSuccessRatePercent,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.casConflictRate = new Alarm(this, 'CasConflictRate', {
      alarmDescription: 'weft: over 1 % of conditional writes lost a race (contention on runs)',
      metric: new MathExpression({
        label: 'CAS conflict rate (%)',
        expression: 'IF(attempts > 0, 100 * conflicts / attempts, 0)',
        usingMetrics: {
          conflicts: weftMetric(METRIC.casConflicts, 'Sum', rate),
          attempts: weftMetric(METRIC.casAttempts, 'Sum', rate),
        },
        period: rate,
      }),
      threshold: ALARM_THRESHOLDS.casConflictRatePercent,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.deadLetters = new Alarm(this, 'DeadLetterMessages', {
      alarmDescription:
        'weft: task messages reached the dead-letter queue (received 5 times without success)',
      metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        statistic: 'Maximum',
        period: Duration.minutes(1),
      }),
      threshold: ALARM_THRESHOLDS.deadLetterMessages,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.triggerDeadLetters = new Alarm(this, 'TriggerDeadLetterMessages', {
      alarmDescription: 'weft: events or schedules failed to start a run after EventBridge retried for 24 h',
      metric: props.triggerDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
        statistic: 'Maximum',
        period: Duration.minutes(1),
      }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    if (props.alarmAction) {
      for (const alarm of this.all()) alarm.addAlarmAction(props.alarmAction);
    }
  }

  /** Every alarm, for dashboards and actions. */
  all(): readonly Alarm[] {
    return [
      this.schedulingLatency,
      this.rollbackSuccessRate,
      this.casConflictRate,
      this.deadLetters,
      this.triggerDeadLetters,
    ];
  }
}
