import { locateTasks } from '../files/task-position.ts';
import type { PlanFile } from '../files/workflows.ts';
import type { HandlerRegistry } from '../runtime/types.ts';
import type { Diagnostic } from '../workflow/index.ts';
import { missingHandlersMessage, neededHandlers } from './handlers.ts';

/**
 * The handlers the workflow files need that the registry lacks, as `file:line:col` diagnostics: one per
 * task or compensation naming a missing export, at its `handler` (its `id` when the handler defaults to
 * the id) or its `compensation`. Empty when nothing is missing.
 *
 * @example
 * const problems = missingHandlerDiagnostics(await readPlanFiles('workflows'), registry, 'src/handlers.ts');
 * // [{ file: 'workflows/a.yaml', line: 7, col: 16, message: "missing handler 'build': export it from ..." }]
 */
export function missingHandlerDiagnostics(
  planFiles: readonly PlanFile[],
  registry: HandlerRegistry,
  modulePath: string,
): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const planFile of planFiles) {
    const locate = locateTasks(planFile);
    for (const { task, name, role } of neededHandlers(planFile.plan, 'deployed')) {
      if (typeof registry[name] === 'function') continue;
      diagnostics.push({
        file: planFile.file,
        ...locate(task.id, role === 'compensation' ? 'compensation' : 'handler'),
        message: missingHandlersMessage([name], modulePath),
        code: 'handlers.missing',
      });
    }
  }
  return diagnostics;
}
