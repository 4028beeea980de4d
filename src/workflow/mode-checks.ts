import type { Diagnostic } from './diagnostic.ts';
import type { ParsedSource } from './source.ts';

/**
 * `mode: async` on a task takes it off a sync workflow's critical path; in an async workflow (the default)
 * every task is async already, so the field there is a mistake: reported at the task's `mode`, with the fix.
 */
export function checkModes(source: ParsedSource, file: string): Diagnostic[] {
  const workflow = (source.value as { workflow?: { mode?: unknown; tasks?: unknown } } | null)?.workflow;
  if (!workflow || workflow.mode === 'sync' || !Array.isArray(workflow.tasks)) return [];
  const diagnostics: Diagnostic[] = [];
  workflow.tasks.forEach((task: unknown, index) => {
    const mode = typeof task === 'object' && task !== null ? (task as { mode?: unknown }).mode : undefined;
    if (mode !== 'async') return;
    const id = (task as { id?: unknown }).id;
    diagnostics.push({
      file,
      ...source.locate(['workflow', 'tasks', index, 'mode']),
      code: 'workflow.asyncTaskInAsyncWorkflow',
      message:
        `task ${typeof id === 'string' ? `'${id}'` : `workflow.tasks[${index}]`}: 'mode: async' applies only in a ` +
        "workflow with 'mode: sync' (in an async workflow every task is async already): remove it, or set " +
        "'mode: sync' on the workflow",
    });
  });
  return diagnostics;
}
