import { Duration } from 'aws-cdk-lib';
import { AlarmStatusWidget, Dashboard, GraphWidget, MathExpression } from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { METRIC } from '../../src/observability/metric-names.ts';
import { type WeftAlarms, weftMetric } from './alarms.ts';

export interface WeftDashboardProps {
  readonly dashboardName?: string;
  readonly alarms: WeftAlarms;
  readonly queue: IQueue;
  readonly deadLetterQueue: IQueue;
  readonly functions: Readonly<Record<string, IFunction>>;
}

/** The CloudWatch dashboard: the alarmed figures first, then throughput, durations and the plumbing. */
export function weftDashboard(scope: Construct, id: string, props: WeftDashboardProps): Dashboard {
  const dashboard = new Dashboard(scope, id, {
    ...(props.dashboardName ? { dashboardName: props.dashboardName } : {}),
    defaultInterval: Duration.hours(3),
  });
  const fiveMinutes = Duration.minutes(5);
  dashboard.addWidgets(
    new AlarmStatusWidget({ title: 'weft alarms', alarms: [...props.alarms.all()], width: 24 }),
  );
  dashboard.addWidgets(
    new GraphWidget({
      title: 'Scheduling latency (ms)',
      left: [weftMetric(METRIC.schedulingLatency, 'p50'), weftMetric(METRIC.schedulingLatency, 'p99')],
      leftAnnotations: [{ value: 5_000, label: 'p99 alarm' }],
      width: 8,
    }),
    new GraphWidget({
      title: 'Rollbacks',
      left: [
        weftMetric(METRIC.rollbackSucceeded, 'Sum', fiveMinutes),
        weftMetric(METRIC.rollbackFailed, 'Sum', fiveMinutes),
      ],
      width: 8,
    }),
    new GraphWidget({
      title: 'CAS conflict rate (%)',
      left: [
        new MathExpression({
          label: 'conflicts / attempts (%)',
          expression: 'IF(attempts > 0, 100 * conflicts / attempts, 0)',
          usingMetrics: {
            conflicts: weftMetric(METRIC.casConflicts, 'Sum', fiveMinutes),
            attempts: weftMetric(METRIC.casAttempts, 'Sum', fiveMinutes),
          },
          period: fiveMinutes,
        }),
      ],
      leftAnnotations: [{ value: 1, label: 'alarm' }],
      width: 8,
    }),
  );
  dashboard.addWidgets(
    new GraphWidget({
      title: 'Runs finished',
      left: [METRIC.runsSucceeded, METRIC.runsFailed, METRIC.runsCancelled].map((name) =>
        weftMetric(name, 'Sum'),
      ),
      width: 8,
    }),
    new GraphWidget({
      title: 'Task and run duration (ms)',
      left: [weftMetric(METRIC.taskDuration, 'p50'), weftMetric(METRIC.taskDuration, 'p99')],
      right: [weftMetric(METRIC.runDuration, 'p50'), weftMetric(METRIC.runDuration, 'p99')],
      width: 8,
    }),
    new GraphWidget({
      title: 'Task queue',
      left: [
        props.queue.metricApproximateNumberOfMessagesVisible(),
        props.deadLetterQueue.metricApproximateNumberOfMessagesVisible(),
      ],
      right: [props.queue.metricApproximateAgeOfOldestMessage()],
      width: 8,
    }),
  );
  dashboard.addWidgets(
    new GraphWidget({
      title: 'Function errors',
      left: Object.entries(props.functions).map(([name, fn]) => fn.metricErrors({ label: name })),
      width: 12,
    }),
    new GraphWidget({
      title: 'Function duration p99 (ms)',
      left: Object.entries(props.functions).map(([name, fn]) =>
        fn.metricDuration({ label: name, statistic: 'p99' }),
      ),
      width: 12,
    }),
  );
  return dashboard;
}
