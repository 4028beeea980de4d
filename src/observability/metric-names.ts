/**
 * Names of weft's CloudWatch metrics, shared by the code that emits them (EMF, through Powertools Metrics)
 * and the CDK construct's alarms and dashboard, so the two cannot drift apart.
 */
export const METRICS_NAMESPACE = 'Weft';

/** The `service` dimension Powertools adds to every metric. */
export const METRICS_SERVICE = 'weft';

export const METRIC = {
  /** Milliseconds from a dependency's success (or the submission) until a dependent is claimed. */
  schedulingLatency: 'SchedulingLatency',
  /** Milliseconds a task's dispatch waited in a lock's line before it took the lock (0 when free). */
  lockWait: 'LockWait',
  /** Milliseconds of a task's last attempt. */
  taskDuration: 'TaskDuration',
  tasksSucceeded: 'TasksSucceeded',
  tasksFailed: 'TasksFailed',
  /** Milliseconds from submission to the run's final state. */
  runDuration: 'RunDuration',
  runsSucceeded: 'RunsSucceeded',
  runsFailed: 'RunsFailed',
  runsCancelled: 'RunsCancelled',
  /** Saga rollbacks that compensated every succeeded task. */
  rollbackSucceeded: 'RollbackSucceeded',
  /** Saga rollbacks left incomplete: a compensation failed for good. */
  rollbackFailed: 'RollbackFailed',
  /** Conditional writes attempted. */
  casAttempts: 'CasAttempts',
  /** Conditional writes that lost a race (ConditionalCheckFailed). */
  casConflicts: 'CasConflicts',
} as const;
