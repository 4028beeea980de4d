import { inputTooLarge } from '../engine/limits.ts';
import type { RunParent, RunRecord } from '../engine/types.ts';
import { UserInputError } from '../errors.ts';
import type { Plan } from '../workflow/plan.ts';
import { canonicalJson, sha256 } from './canonical-json.ts';
import { deadlineEntry } from './deadline.ts';
import { fault, isoNow, type RuntimeDeps } from './deps.ts';
import { ownDispatch, sendMessages } from './dispatch.ts';
import { RunConflictError, UnknownWorkflowError } from './errors.ts';
import { savePlanOnce } from './plans.ts';
import { taskMessage } from './run-context.ts';
import { keyProblem, runIdOf, runIdProblem } from './run-ids.ts';
import type { SubmitRequest, SubmitResult } from './types.ts';

export { runIdForKey } from './run-ids.ts';

/**
 * Starts a run: writes the run item only if no run has its id (a duplicate submission starts nothing and
 * gets `created: false`; the same id with another workflow or input is a conflict), then dispatches the
 * roots (and, when the plan has a workflow `timeout`, the run's delayed deadline message). A crash between
 * the two leaves a run whose roots the recovery pass dispatches and whose timeout it enforces.
 */
export async function submitRun(deps: RuntimeDeps, request: SubmitRequest): Promise<SubmitResult> {
  const plan = deps.plans.byName(request.workflow);
  if (!plan) {
    throw new UnknownWorkflowError(
      request.workflow,
      deps.plans.list().map((p) => p.name),
    );
  }
  const runIdIssue = request.runId === undefined ? undefined : runIdProblem(request.runId);
  if (runIdIssue !== undefined) {
    throw new UserInputError('run.invalidId', `invalid run id '${request.runId}': it ${runIdIssue}`);
  }
  const keyIssue = request.idempotencyKey === undefined ? undefined : keyProblem(request.idempotencyKey);
  if (keyIssue !== undefined) {
    throw new UserInputError(
      'run.invalidKey',
      `invalid idempotency key ${JSON.stringify(request.idempotencyKey?.slice(0, 200))}: it ${keyIssue}`,
    );
  }
  const runId = runIdOf(request);
  const input = canonicalJson(request.input ?? null);
  const tooLarge = inputTooLarge(input);
  if (tooLarge !== undefined) throw new UserInputError('input.tooLarge', tooLarge);
  const outcome = await startRun(deps, plan, {
    runId,
    input,
    ...(request.idempotencyKey ? { idempotencyKey: request.idempotencyKey } : {}),
  });
  if (!outcome.created) {
    const existing = outcome.existing;
    if (existing && existing.workflow !== plan.name) {
      // the other workflow goes unnamed: a caller of this one may not know of it
      throw new RunConflictError(runId, `another workflow than '${plan.name}'`);
    }
    if (existing && existing.inputHash !== sha256(input)) {
      throw new RunConflictError(runId, 'a different input');
    }
  }
  return { runId, created: outcome.created };
}

/** A run to create: its id and canonical input chosen, checked by the caller. */
export interface RunStart {
  readonly runId: string;
  /** Canonical JSON text (see canonicalJson). */
  readonly input: string;
  readonly idempotencyKey?: string;
  readonly parent?: RunParent;
}

/**
 * Creates a run of `plan` (one conditional write) and dispatches its roots and its deadline; a run that
 * already has the id is left as it is and returned. Shared by submissions and child runs.
 */
export async function startRun(
  deps: RuntimeDeps,
  plan: Plan,
  start: RunStart,
): Promise<{ readonly created: true } | { readonly created: false; readonly existing?: RunRecord }> {
  const { runId, input } = start;
  await savePlanOnce(deps, plan);
  const createdAt = deps.now();
  const outcome = await deps.store.createRun({
    runId,
    workflow: plan.name,
    planVersion: plan.version,
    input,
    inputHash: sha256(input),
    createdAt,
    // the roots' dispatch counts only if this process runs every one of them
    ...(plan.roots.every((root) => ownDispatch(deps, plan, root, 'task').dispatchedAt !== undefined)
      ? { dispatchedAt: createdAt }
      : {}),
    ...(start.idempotencyKey ? { idempotencyKey: start.idempotencyKey } : {}),
    ...(start.parent ? { parent: start.parent } : {}),
    event: {
      type: 'run.submitted',
      lamport: 1,
      at: isoNow(deps),
      detail: {
        workflow: plan.name,
        planVersion: plan.version,
        ...(start.parent ? { parentRunId: start.parent.runId, parentTaskId: start.parent.taskId } : {}),
      },
    },
  });
  if (!outcome.ok) return { created: false, ...(outcome.current ? { existing: outcome.current } : {}) };
  deps.logger.info('run submitted', { runId, workflow: plan.name, planVersion: plan.version });
  fault(deps, 'afterSubmit', { runId });
  // the deadline rides in the roots' batch: no request of its own
  const deadline = deadlineEntry(plan, runId, createdAt, deps.now());
  await sendMessages(deps, [
    ...plan.roots.map((taskId) => ({
      message: taskMessage(
        { runId, workflow: plan.name, planVersion: plan.version, input },
        taskId,
        1,
        createdAt,
      ),
    })),
    ...(deadline ? [deadline] : []),
  ]);
  return { created: true };
}
