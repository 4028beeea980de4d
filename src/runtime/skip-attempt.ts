import { SKIPPED_OUTPUT, type SkipDetail } from '../engine/gate.ts';
import type { RunContext, TaskRecord } from '../engine/types.ts';
import type { Plan, PlannedTask } from '../workflow/plan.ts';
import { advance, type Continuation } from './advance.ts';
import { expiresAt, fault, isoNow, type RuntimeDeps } from './deps.ts';
import { stoppedAfterFlag } from './pause.ts';
import type { Json } from './types.ts';

/**
 * Ends a claimed attempt as `skipped` without running its handler (one fenced write, with a `task.skipped`
 * entry saying why), then passes the skip along its edges: a dependent counts it like an output it does
 * not see. Returns the dependents claimed for this worker to run next.
 */
export async function skipAttempt(
  deps: RuntimeDeps,
  scope: { readonly plan: Plan; readonly run: RunContext; readonly policy: Continuation },
  planned: PlannedTask,
  record: TaskRecord,
  detail: SkipDetail,
): Promise<TaskRecord[]> {
  const { run, plan } = scope;
  const lamport = record.lamport + 1;
  const outcome = await deps.store.endTask({
    runId: run.runId,
    taskId: planned.id,
    owner: deps.owner,
    attempt: record.attempt,
    status: 'skipped',
    failures: record.failures,
    lamport,
    expiresAt: expiresAt(deps),
    event: {
      type: 'task.skipped',
      lamport,
      at: isoNow(deps),
      attempt: record.attempt,
      detail: detail as unknown as Readonly<Record<string, Json>>,
    },
  });
  // refused: the attempt was taken over, and its new owner decides
  if (!outcome.ok) return [];
  fault(deps, 'afterSkip', { runId: run.runId, taskId: planned.id });
  deps.logger.info('task skipped', { runId: run.runId, taskId: planned.id, ...detail });
  if (outcome.record.stopping && (await stoppedAfterFlag(deps, run.runId))) return [];
  return advance(deps, plan, run, planned.id, SKIPPED_OUTPUT, lamport, { continuation: scope.policy });
}
