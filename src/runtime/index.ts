/** The engine's runtime: what the CLI, the local stack and the Lambda functions build on. */

export { ensureQueue } from '../queue/ensure-queue.ts';
export { ensureTable } from '../store/ensure-table.ts';
export {
  type AwsRuntimeConfig,
  createAwsRuntime,
  createRuntime,
  type RuntimeConfig,
} from './aws-runtime.ts';
export { planCatalog } from './catalog.ts';
export type { FaultPoint, FaultSite, HandleOptions } from './deps.ts';
export {
  HandlerNotFoundError,
  OutputTooLargeError,
  RunConflictError,
  TaskLostError,
  TaskTimeoutError,
  UnknownWorkflowError,
} from './errors.ts';
export { type EngineLogger, type EngineMetrics, noopMetrics, silentLogger } from './metrics.ts';
export {
  DEFAULT_RECOVERY,
  LOCAL_RECOVERY_GRACE_MS,
  type RecoverySettings,
  recoverySettings,
} from './recovery-settings.ts';
export { runIdForKey } from './submit.ts';
export * from './types.ts';
export { createWorkerHandler } from './worker-handler.ts';
