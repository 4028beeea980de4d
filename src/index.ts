/**
 * weft's programmatic API: run workflows in this process (`openLocal`), on the embedded SQLite store or
 * on DynamoDB and SQS, with the same engine as the `weft` command and the AWS deployment.
 */

export { UserInputError, WeftError } from './errors.ts';
export type { BackendName, SqliteSynchronous } from './local/backend.ts';
export {
  type LocalEngine,
  type LocalRunAnswer,
  type OpenLocalOptions,
  openLocal,
  type SubmitOptions,
} from './local/open-local.ts';
export { StateDirError } from './local/state-dir-errors.ts';
export type { RunResult } from './runtime/run-result.ts';
export type {
  CallbackAnswer,
  CallbackRequest,
  CompensationEvent,
  CompensationHandler,
  HandlerRegistry,
  HistoryEvent,
  Json,
  LockGrant,
  SubmitResult,
  TaskContext,
  TaskEvent,
  TaskHandler,
} from './runtime/types.ts';
export { loadPlan, WorkflowError } from './workflow/index.ts';
export type { Plan } from './workflow/plan.ts';
