import type { Diagnostic } from './diagnostic.ts';
import type { ParsedSource } from './source.ts';
import { didYouMean } from './suggest.ts';
import { findCycles, type IndexedGraph, indexGraph, topologicalOrder } from './topology.ts';

/** The dependency graph as far as it can be read, whatever else is wrong with the file. */
interface RawTask {
  readonly id: string | undefined;
  /** String entries of `deps`, with their positions in the list. */
  readonly deps: readonly { readonly id: string; readonly at: number }[];
}

function readTasks(value: unknown): RawTask[] {
  const tasks = (value as { workflow?: { tasks?: unknown } } | null)?.workflow?.tasks;
  if (!Array.isArray(tasks)) return [];
  return tasks.map((task: unknown) => {
    const record = typeof task === 'object' && task !== null ? (task as Record<string, unknown>) : {};
    const deps = Array.isArray(record.deps) ? record.deps : [];
    return {
      id: typeof record.id === 'string' ? record.id : undefined,
      deps: deps.flatMap((dep: unknown, at) => (typeof dep === 'string' ? [{ id: dep, at }] : [])),
    };
  });
}

/**
 * Checks the dependency graph: duplicate ids (reported at the second), unknown dependencies (with the
 * nearest id), self-dependencies, repeated dependencies and cycles (the whole path). Works on whatever
 * part of the file is readable, so these mistakes are reported together with schema mistakes.
 */
export function checkGraph(
  source: ParsedSource,
  file: string,
): { diagnostics: Diagnostic[]; graph: IndexedGraph } {
  const tasks = readTasks(source.value);
  const diagnostics: Diagnostic[] = [];
  const at = (path: (string | number)[]) => ({ file, ...source.locate(['workflow', 'tasks', ...path]) });
  const indexById = new Map<string, number>();
  tasks.forEach((task, index) => {
    if (task.id === undefined) return;
    const first = indexById.get(task.id);
    if (first === undefined) {
      indexById.set(task.id, index);
      return;
    }
    const firstLine = source.locate(['workflow', 'tasks', first, 'id']).line;
    diagnostics.push({
      ...at([index, 'id']),
      message: `duplicate task id '${task.id}' (first defined on line ${firstLine}); ids must be unique`,
      code: 'workflow.duplicateId',
    });
  });
  const deps: number[][] = tasks.map((task, index) => {
    const resolved: number[] = [];
    for (const dep of task.deps) {
      const depIndex = indexById.get(dep.id);
      const name = task.id === undefined ? `workflow.tasks[${index}]` : `task '${task.id}'`;
      if (depIndex === undefined) {
        diagnostics.push({
          ...at([index, 'deps', dep.at]),
          message: `${name} depends on unknown task '${dep.id}'${didYouMean(dep.id, indexById.keys())}`,
          code: 'workflow.unknownDependency',
        });
      } else if (dep.id === task.id) {
        diagnostics.push({
          ...at([index, 'deps', dep.at]),
          message: `${name} depends on itself; remove '${dep.id}' from its deps`,
          code: 'workflow.selfDependency',
        });
      } else if (resolved.includes(depIndex)) {
        diagnostics.push({
          ...at([index, 'deps', dep.at]),
          message: `${name} lists '${dep.id}' twice in its deps`,
          code: 'workflow.duplicateDependency',
        });
      } else if (indexById.get(task.id ?? '') === index) {
        resolved.push(depIndex);
      }
    }
    return resolved;
  });
  const graph = indexGraph(deps);
  const { blocked } = topologicalOrder(graph);
  for (const cycle of findCycles(graph, blocked)) {
    const first = cycle[0] ?? 0;
    const last = cycle[cycle.length - 1] ?? 0;
    const names = [...cycle, first].map((index) => tasks[index]?.id ?? '?');
    const closing = tasks[first]?.deps.find((dep) => dep.id === tasks[last]?.id)?.at ?? 0;
    diagnostics.push({
      ...at([first, 'deps', closing]),
      message: `dependency cycle: ${names.join(' -> ')}`,
      code: 'workflow.cycle',
    });
  }
  return { diagnostics, graph };
}
