/**
 * The workflow language: YAML (or JSON) text in, a validated, compiled `Plan` out. Pure: no I/O.
 */
export { type CompileResult, compileSource, loadPlan } from './compile.ts';
export { type Diagnostic, formatDiagnostic, WorkflowError } from './diagnostic.ts';
export { formatDuration, parseDuration } from './duration.ts';
export type { Plan, PlannedCompensation, PlannedTask, PlannedTrigger, RetryPolicy } from './plan.ts';
export { renderDot, renderMermaid } from './render.ts';
