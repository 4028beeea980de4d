import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * The cdk-nag AwsSolutions findings weft accepts for its own resources, each with its reason (cdk-nag 3
 * acknowledges findings through CDK's own `Validations` API). Everything else must pass: no managed policy
 * in particular (each function's role writes its own log group only, see weft-function.ts).
 */
export function acknowledgeNagFindings(scope: IConstruct): void {
  const validations = Validations.of(scope);
  validations.acknowledge({
    id: 'AwsSolutions-L1',
    reason:
      'weft pins Node.js 22, the runtime its code and tests target; a newer runtime is a deliberate upgrade.',
  });
}
