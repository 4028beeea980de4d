// A user's mistake (a workflow, a missing handler, a setting out of range) is thrown as a UserInputError.
export { UserInputError } from '../../src/errors.ts';
export { ALARM_THRESHOLDS, WeftAlarms, weftMetric } from './alarms.ts';
export { readWeftDeployment, type WeftDeploymentSource } from './deployment.ts';
export { type WeftApiAuth, WeftHttpApi } from './http-api.ts';
export { WeftRules } from './rules.ts';
export { WeftOrchestrator, type WeftOrchestratorProps } from './weft-orchestrator.ts';
