import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

export interface EventBridgeScheduleReaperProps {
  readonly reaper: IFunction;
}

/** Runs the recovery pass every minute: lost dispatches are rebuilt from DynamoDB, expired leases taken over. */
export class EventBridgeScheduleReaper extends Construct {
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: EventBridgeScheduleReaperProps) {
    super(scope, id);
    this.rule = new Rule(this, 'EveryMinute', {
      description: 'weft: recovery pass every minute',
      schedule: Schedule.rate(Duration.minutes(1)),
      // A missed pass is harmless: the next one, a minute later, does the same work.
      targets: [new LambdaFunction(props.reaper, { retryAttempts: 0 })],
    });
  }
}
