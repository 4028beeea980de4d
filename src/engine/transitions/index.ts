/**
 * The engine's state transitions, one per store operation: `(current record, operation) => record after
 * the write`, or `undefined` when the precondition refuses it. Pure: the SQLite store applies them inside
 * a transaction; the DynamoDB store's request builders restate them, and a differential test keeps the two
 * in agreement.
 */
export {
  awaitCallback,
  cancelWait,
  completeCallback,
  countMapItem,
  heartbeatCallback,
  openCallback,
} from './callback.ts';
export {
  claimCompensation,
  dispatchCompensation,
  finishCompensation,
  releaseCompensation,
  renewCompensationLease,
  retryCompensation,
} from './compensation.ts';
export { newTask } from './records.ts';
export { holdTask, pauseRun, redriveRun, releaseHold, resetTask } from './redrive.ts';
export {
  answerRun,
  countLastSink,
  countSink,
  createRun,
  finishRollback,
  finishRun,
  isActiveRun,
  revertRun,
  stopRun,
} from './run.ts';
export {
  checkpoint,
  claimByEdge,
  claimTask,
  copyEdge,
  endTask,
  flagStopping,
  releaseTask,
  renewLease,
  retryTask,
  skipTask,
  sleepTask,
} from './task.ts';
