import type { PlannedTask } from '../../workflow/plan.ts';
import { IsolationUnavailableError } from '../errors.ts';
import type { CompensationEvent, HandlerRegistry, TaskContext, TaskEvent } from '../types.ts';
import { handlersSourceOf } from './handlers-module.ts';
import { type Isolation, runIsolated } from './run-isolated.ts';

/**
 * A task's handler (or its compensation's) as the attempt calls it when the task asks for `isolation:
 * thread` or `process`: the same export of the same module, run in a thread or process of its own.
 *
 * @throws IsolationUnavailableError when the registry was not loaded from a module (handler functions
 *   given in code cannot be loaded elsewhere).
 */
export function isolatedHandler(
  handlers: HandlerRegistry,
  task: Pick<PlannedTask, 'id' | 'handler'>,
  isolation: Isolation,
): (event: TaskEvent | CompensationEvent, ctx: TaskContext) => Promise<unknown> {
  const source = handlersSourceOf(handlers);
  if (source === undefined) throw new IsolationUnavailableError(task.id, isolation);
  return (event, ctx) => runIsolated({ ...source, isolation, handler: task.handler }, event, ctx);
}
