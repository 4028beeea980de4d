/**
 * What a handlers module needs from weft (`weft-run/handlers`): the handler types, and `defineHandler` /
 * `defineCompensation` for handlers typed and checked by zod schemas.
 */

export type {
  CompensationEvent,
  CompensationHandler,
  HandlerRegistry,
  Json,
  TaskContext,
  TaskEvent,
  TaskHandler,
} from '../runtime/types.ts';
export {
  type CompensationSchemas,
  defineCompensation,
  defineHandler,
  type HandlerSchemas,
  type TypedCompensationEvent,
  type TypedCompensationHandler,
  type TypedTaskEvent,
  type TypedTaskHandler,
} from './define-handler.ts';
export {
  HandlerValidationError,
  type ValidatedField,
  type ValidationIssue,
} from './handler-validation-error.ts';
