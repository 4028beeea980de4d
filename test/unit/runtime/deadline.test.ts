import { describe, expect, it } from 'vitest';
import { deadlineEntry, workflowTimeout } from '../../../src/runtime/deadline.ts';
import { loadPlan } from '../../../src/workflow/index.ts';

const planWith = (timeout?: string) =>
  loadPlan(
    `workflow:\n  name: w\n${timeout ? `  timeout: ${timeout}\n` : ''}  tasks:\n    - id: a\n`,
    'w.yaml',
  );

describe('deadlineEntry', () => {
  it('sends no deadline for a plan without a workflow timeout', () => {
    expect(deadlineEntry(planWith(), 'r', 1_000, 1_000)).toBeUndefined();
  });

  it('delays the deadline until creation plus the timeout, in whole seconds', () => {
    expect(deadlineEntry(planWith('30s'), 'r', 1_000, 1_200)).toEqual({
      message: { runId: 'r', kind: 'deadline', deadlineAt: 31_000 },
      delaySeconds: 30,
    });
  });

  it('caps the delay at the 15 minutes SQS allows (the rest is waited on receipt)', () => {
    expect(deadlineEntry(planWith('2h'), 'r', 0, 0)?.delaySeconds).toBe(900);
  });
});

describe('workflowTimeout', () => {
  it('names the error WorkflowTimeout and shows the timeout', () => {
    expect(workflowTimeout(planWith('1m'))).toEqual({
      name: 'WorkflowTimeout',
      message: 'the run did not finish within its workflow timeout of 60000 ms',
    });
  });
});
