import { type Position, parseSource } from '../workflow/source.ts';
import type { PlanFile } from './workflows.ts';

/** A field of a task as written, where a check about that task points. */
export type TaskField = 'id' | 'handler' | 'timeout' | 'compensation' | 'workflow' | 'isolation';

/**
 * Points back into a compiled workflow file: where a task writes a field, or its `id` when it does not
 * write that field (a `handler` defaulted to the id). The text is parsed once, on the first call.
 *
 * @example
 * const locate = locateTasks(planFile);
 * const { line, col } = locate('build_report', 'timeout'); // the position of `10m`
 */
export function locateTasks(planFile: PlanFile): (taskId: string, field: TaskField) => Position {
  let parsed: ReturnType<typeof parseSource> | undefined;
  return (taskId, field) => {
    const task = planFile.plan.tasks[taskId];
    parsed ??= parseSource(planFile.text, planFile.file);
    if (task === undefined || !parsed.ok) return { line: 1, col: 1 };
    const path = ['workflow', 'tasks', task.index];
    const written = writes(parsed.source.value, task.index, field);
    return parsed.source.locate([...path, written ? field : 'id']);
  };
}

function writes(document: unknown, index: number, field: TaskField): boolean {
  const workflow = (document as { workflow?: { tasks?: unknown } } | null)?.workflow;
  const tasks = workflow?.tasks;
  const task: unknown = Array.isArray(tasks) ? tasks[index] : undefined;
  return typeof task === 'object' && task !== null && Object.hasOwn(task, field);
}
