import { WeftError } from '../errors.ts';

/** What a typed handler checks against its schemas. */
export type ValidatedField = 'input' | 'deps' | 'output';

/** One mismatch between a value and its schema: where in the value, and what is wrong there. */
export interface ValidationIssue {
  /** The path inside the field (`applicant.id`, `0.amount`); empty for the field as a whole. */
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/**
 * A typed handler's value did not match its schema (see `defineHandler`). Never retried, whatever the
 * task's `retry_policy` says: the same input fails the same way, so the task fails and the run rolls back.
 */
export class HandlerValidationError extends WeftError {
  override name = 'HandlerValidationError';

  constructor(
    readonly taskId: string,
    readonly field: ValidatedField,
    readonly issues: readonly ValidationIssue[],
    role: 'handler' | 'compensation' = 'handler',
  ) {
    super('handler.validation', describe(taskId, field, issues, role));
  }
}

const SUBJECT: Readonly<Record<ValidatedField, string>> = {
  input: "the run's input",
  deps: "its dependencies' outputs (deps)",
  output: 'its output',
};

function describe(
  taskId: string,
  field: ValidatedField,
  issues: readonly ValidationIssue[],
  role: 'handler' | 'compensation',
): string {
  const where = issues
    .map((issue) => `${[field, ...issue.path].map(String).join('.')}: ${issue.message}`)
    .join('; ');
  // a handler's output is what it returned; a compensation's is what the undone task returned
  const fixes: Readonly<Record<ValidatedField, string>> = {
    input: `submit an input that matches the ${role}'s input schema, or change the schema`,
    deps: `make the tasks before it return what the ${role}'s deps schema expects, or change the schema`,
    output:
      role === 'handler'
        ? "fix the handler's return value or its output schema"
        : `make task '${taskId}' return what the compensation's output schema expects, or change the schema`,
  };
  const fix = fixes[field];
  const subject = role === 'compensation' && field === 'output' ? "the undone task's output" : SUBJECT[field];
  return `task '${taskId}': ${subject} does not match the ${role}'s ${field} schema (${where}); ${fix}`;
}
