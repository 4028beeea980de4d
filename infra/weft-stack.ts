import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { Plan } from '../src/workflow/plan.ts';
import type { WeftApiAuth } from './orchestrator/http-api.ts';
import { WeftOrchestrator, type WeftOrchestratorProps } from './orchestrator/weft-orchestrator.ts';

/** The stack's settings: the orchestrator's workflows, handlers, API authorisation and worker settings. */
export interface WeftStackProps
  extends StackProps,
    Pick<WeftOrchestratorProps, 'workerTimeout' | 'workerMemorySize' | 'batchSize'> {
  readonly plans: readonly Plan[];
  readonly handlersModule: string;
  readonly apiAuth?: WeftApiAuth;
}

/** The app's stack: one orchestrator and the outputs users need (API URL, table, queues). */
export class WeftStack extends Stack {
  readonly orchestrator: WeftOrchestrator;

  constructor(scope: Construct, id: string, props: WeftStackProps) {
    super(scope, id, props);
    const { plans, handlersModule, apiAuth, workerTimeout, workerMemorySize, batchSize } = props;
    this.orchestrator = new WeftOrchestrator(this, 'Weft', {
      plans,
      handlersModule,
      ...(apiAuth ? { apiAuth } : {}),
      ...(workerTimeout ? { workerTimeout } : {}),
      ...(workerMemorySize === undefined ? {} : { workerMemorySize }),
      ...(batchSize === undefined ? {} : { batchSize }),
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
