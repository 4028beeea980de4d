import { expect } from 'vitest';
import { compileSource, formatDiagnostic, type Plan } from '../../../src/workflow/index.ts';

/** The request's own example, exactly as written there. */
export const LOAN_APPROVAL = `workflow:
  name: loan_approval
  tasks:
    - id: credit_check
      deps: []
      retry_policy: {max_attempts: 3, backoff: 1s}
      compensation: "revert_credit_query"
    - id: fraud_detection
      deps: [credit_check]
      timeout: 30s
    - id: final_decision
      deps: [credit_check, fraud_detection]
`;

/** Compiles text that must be valid. */
export function compiled(text: string, file = 'flow.yaml'): Plan {
  const result = compileSource(text, file);
  if (!result.ok) expect.fail(result.diagnostics.map(formatDiagnostic).join('\n'));
  return result.plan;
}

/** The formatted diagnostics of text that must be invalid. */
export function errors(text: string, file = 'flow.yaml'): string[] {
  const result = compileSource(text, file);
  if (result.ok) expect.fail('expected the workflow to be rejected');
  return result.diagnostics.map(formatDiagnostic);
}

/** A workflow whose tasks are given as YAML list items (each a flow mapping). */
export function workflow(...tasks: string[]): string {
  return `workflow:\n  name: w\n  tasks:\n${tasks.map((task) => `    - ${task}\n`).join('')}`;
}
