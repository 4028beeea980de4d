import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { Plan } from '../src/workflow/plan.ts';
import type { WeftApiAuth } from './orchestrator/http-api.ts';
import { WeftOrchestrator } from './orchestrator/weft-orchestrator.ts';

export interface WeftStackProps extends StackProps {
  readonly plans: readonly Plan[];
  readonly handlersModule: string;
  readonly apiAuth?: WeftApiAuth;
}

/** The app's stack: one orchestrator and the outputs users need (API URL, table, queues). */
export class WeftStack extends Stack {
  readonly orchestrator: WeftOrchestrator;

  constructor(scope: Construct, id: string, props: WeftStackProps) {
    super(scope, id, props);
    this.orchestrator = new WeftOrchestrator(this, 'Weft', {
      plans: props.plans,
      handlersModule: props.handlersModule,
      ...(props.apiAuth ? { apiAuth: props.apiAuth } : {}),
    });
    new CfnOutput(this, 'ApiUrl', {
      value: this.orchestrator.httpApi.url,
      description: 'weft submit --endpoint',
    });
    new CfnOutput(this, 'TableName', { value: this.orchestrator.table.tableName });
    new CfnOutput(this, 'QueueUrl', { value: this.orchestrator.queue.queueUrl });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.orchestrator.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'TriggerDeadLetterQueueUrl', {
      value: this.orchestrator.triggerDeadLetterQueue.queueUrl,
    });
  }
}
