import type { Json } from '../runtime/types.ts';
import type { PlannedTask } from '../workflow/plan.ts';
import type { TaskRecord } from './types.ts';

/**
 * The output an edge carries from a skipped dependency: the empty text, which no JSON value serialises to.
 * The dependent counts the edge like any other, and its handler and expressions do not see that dependency.
 */
export const SKIPPED_OUTPUT = '';

/** What a claimed attempt does before any handler: run, evaluate its condition first, or skip. */
export type Gate =
  | { readonly kind: 'run' }
  | { readonly kind: 'evaluate'; readonly when: string }
  | { readonly kind: 'skip'; readonly detail: SkipDetail };

/** Why a task was skipped, as its `task.skipped` history entry says. */
export type SkipDetail =
  | { readonly reason: 'condition'; readonly when: string }
  | { readonly reason: 'dependencies'; readonly skipped: readonly string[] };

/**
 * Decides, from the claimed record, whether a task runs: a task whose every dependency was skipped is
 * skipped (the branch it is on did not run); one with `when` evaluates it over the deps that ran.
 *
 * @example
 * gate({ deps: ['a'], when: 'deps.a.ok' } as PlannedTask, record); // { kind: 'evaluate', when: 'deps.a.ok' }
 */
export function gate(planned: PlannedTask, record: TaskRecord): Gate {
  const skipped = skippedDeps(planned, record);
  if (planned.deps.length > 0 && skipped.length === planned.deps.length) {
    return { kind: 'skip', detail: { reason: 'dependencies', skipped } };
  }
  if (planned.when !== undefined) return { kind: 'evaluate', when: planned.when };
  return { kind: 'run' };
}

/** The dependencies whose edge came from a skip, in plan order. */
function skippedDeps(planned: PlannedTask, record: TaskRecord): string[] {
  return planned.deps.filter((dep) => record.depOutputs[dep] === SKIPPED_OUTPUT);
}

/** The outputs of the dependencies that ran, by task id: what `event.deps` and expressions see. */
export function depOutputs(planned: PlannedTask, record: TaskRecord): Record<string, Json> {
  const outputs: Record<string, Json> = {};
  for (const dep of planned.deps) {
    const text = record.depOutputs[dep];
    if (text === SKIPPED_OUTPUT) continue;
    outputs[dep] = JSON.parse(text ?? 'null') as Json;
  }
  return outputs;
}

/** What an ended task passes along its edges: its output, or the skip marker. */
export function edgeOutput(record: TaskRecord): string | undefined {
  if (record.status === 'skipped') return SKIPPED_OUTPUT;
  return record.status === 'succeeded' ? record.output : undefined;
}
