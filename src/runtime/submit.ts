import { randomUUID } from 'node:crypto';
import { UserInputError } from '../errors.ts';
import { canonicalJson, sha256 } from './canonical-json.ts';
import { deadlineEntry } from './deadline.ts';
import { fault, isoNow, type RuntimeDeps } from './deps.ts';
import { ownDispatch, sendMessages } from './dispatch.ts';
import { RunConflictError, UnknownWorkflowError } from './errors.ts';
import { savePlanOnce } from './plans.ts';
import { taskMessage } from './run-context.ts';
import type { SubmitRequest, SubmitResult } from './types.ts';

const ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;

/** The run id an idempotency key maps to: the same key always names the same run. */
export function runIdForKey(key: string): string {
  return `key-${sha256(key).slice(0, 40)}`;
}

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
  for (const [what, value] of [
    ['run id', request.runId],
    ['idempotency key', request.idempotencyKey],
  ] as const) {
    if (value !== undefined && !ID_PATTERN.test(value)) {
      throw new UserInputError(
        'run.invalidId',
        `invalid ${what} '${value}': use letters, digits, '_', '.', ':' or '-', 1 to 128 characters`,
      );
    }
  }
  const runId =
    request.runId ?? (request.idempotencyKey ? runIdForKey(request.idempotencyKey) : randomUUID());
  const input = canonicalJson(request.input ?? null);
  const inputHash = sha256(input);
  await savePlanOnce(deps, plan);
  const createdAt = deps.now();
  const outcome = await deps.store.createRun({
    runId,
    workflow: plan.name,
    planVersion: plan.version,
    input,
    inputHash,
    createdAt,
    // the roots' dispatch counts only if this process runs every one of them
    ...(plan.roots.every((root) => ownDispatch(deps, plan, root, 'task').dispatchedAt !== undefined)
      ? { dispatchedAt: createdAt }
      : {}),
    ...(request.idempotencyKey ? { idempotencyKey: request.idempotencyKey } : {}),
    event: {
      type: 'run.submitted',
      lamport: 1,
      at: isoNow(deps),
      detail: { workflow: plan.name, planVersion: plan.version },
    },
  });
  if (!outcome.ok) {
    const existing = outcome.current;
    if (existing && existing.workflow !== plan.name) {
      throw new RunConflictError(runId, `workflow '${existing.workflow}', not '${plan.name}'`);
    }
    if (existing && existing.inputHash !== inputHash) {
      throw new RunConflictError(runId, 'a different input');
    }
    return { runId, created: false };
  }
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
  return { runId, created: true };
}
