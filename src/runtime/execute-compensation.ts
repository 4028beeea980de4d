import { attemptTimeout } from '../engine/attempt-timeout.ts';
import { explainCompensationClaim } from '../engine/claim.ts';
import { depOutputs } from '../engine/gate.ts';
import { leaseMs } from '../engine/limits.ts';
import { decideFailure } from '../engine/retry.ts';
import type { TaskMessage, TaskRecord } from '../engine/types.ts';
import { CHILD_ROLLBACK, compensationOf, type PlannedTask } from '../workflow/plan.ts';
import { runAttempt, toErrorView, withAutoRenew } from './attempt.ts';
import { rollBackChild } from './child-run.ts';
import { claimAttempt } from './claim-attempt.ts';
import { expiresAt, fault, isoNow, type RuntimeDeps } from './deps.ts';
import { sendDispatches } from './dispatch.ts';
import { HandlerNotFoundError, TaskTimeoutError } from './errors.ts';
import { isolatedHandler } from './isolation/isolated-handler.ts';
import { mapContext, resolveTask } from './map-run.ts';
import { planFor } from './plans.ts';
import { driveRollback } from './rollback.ts';
import type { CompensationHandler, Json, TaskErrorView } from './types.ts';

/**
 * Runs one attempt of a task's compensation: claim, run the handler with the task's output, then record
 * it compensated, retry it per its policy, or record it failed for good (the rollback is then incomplete,
 * never silently). Either way the rollback is driven on.
 */
export async function executeCompensation(deps: RuntimeDeps, message: TaskMessage): Promise<void> {
  const run = await deps.store.getRun(message.runId);
  if (run?.status !== 'compensating') return;
  const plan = await planFor(deps, run.workflow, run.planVersion);
  const target = resolveTask(plan, message.taskId);
  const planned = target?.planned;
  const compensation = planned && compensationOf(planned);
  if (!planned || !compensation) return;
  // left claimable for a process that has the compensation's handler
  if (deps.accepts && !deps.accepts(plan, planned.id, 'compensate')) return;
  // an item's compensation sees the item and its map's deps, as its attempt did
  const map = target.item && (await mapContext(deps, run.runId, target.item.map, { ended: true }));
  if (target.item && !map) return;
  const claimed = await claim(deps, planned, message);
  const comp = claimed?.compensation;
  if (!claimed || !comp) return;
  const item = target.item;
  const site = { runId: run.runId, taskId: planned.id };
  fault(deps, 'afterCompensationClaim', site);
  const fence = { owner: deps.owner, attempt: comp.attempt };
  const key = { runId: run.runId, taskId: planned.id };
  const timeLimit = attemptTimeout(planned, deps.defaultTimeoutMs);
  const outcome = await runAttempt({
    run: (signal, heartbeat) => {
      if (compensation === CHILD_ROLLBACK) return rollBackChild(deps, run.runId, planned.id, claimed, signal);
      // a compensation runs where its task ran: the same isolation
      const handler =
        planned.isolation === undefined
          ? deps.handlers[compensation.handler]
          : isolatedHandler(
              deps.handlers,
              { id: planned.id, handler: compensation.handler },
              planned.isolation,
            );
      if (typeof handler !== 'function') throw new HandlerNotFoundError(compensation.handler);
      return (handler as CompensationHandler)(
        {
          input: JSON.parse(run.input) as Json,
          deps: map ? map.deps : depOutputs(planned, claimed),
          output: JSON.parse(claimed.output ?? 'null') as Json,
          runId: run.runId,
          taskId: item ? item.map.id : planned.id,
          attempt: comp.attempt,
          ...(map && item ? { item: map.items[item.index] ?? null, index: item.index } : {}),
        },
        { signal, heartbeat, idempotencyKey: `${run.runId}:${planned.id}:compensation` },
      );
    },
    ...(timeLimit === undefined ? {} : { timeoutMs: timeLimit.ms }),
    ...withAutoRenew(planned),
    renew: async () =>
      (
        await deps.store.renewCompensationLease({
          ...key,
          ...fence,
          leaseUntil: deps.now() + leaseMs(planned),
        })
      ).ok,
    shutdown: deps.shutdown,
  });
  fault(deps, 'afterCompensationHandler', site);
  if (outcome.kind === 'leaseLost' || outcome.kind === 'shutdown') return;
  const lamport = claimed.lamport + 1;
  if (outcome.kind === 'returned') {
    await deps.store.finishCompensation({
      ...key,
      ...fence,
      status: 'compensated',
      lamport,
      expiresAt: expiresAt(deps),
      event: { type: 'compensation.succeeded', lamport, at: isoNow(deps), attempt: comp.attempt },
    });
    await driveRollback(deps, run.runId);
    return;
  }
  const error: TaskErrorView =
    outcome.kind === 'timedOut'
      ? toErrorView(new TaskTimeoutError(planned.id, timeLimit?.ms ?? 0, timeLimit?.ceiling ?? false))
      : outcome.error;
  const failures = comp.failures + 1;
  const decision = decideFailure(compensation.retry, failures, error.name, deps.random());
  if (decision.kind === 'retry') {
    const now = deps.now();
    const dueAt = now + decision.delayMs;
    const retried = await deps.store.retryCompensation({
      ...key,
      ...fence,
      dueAt,
      // this worker runs the compensation: the retry's dispatch goes to its own queue
      dispatchedAt: dueAt,
      failures,
      error,
      lamport,
      event: {
        type: 'compensation.retrying',
        lamport,
        at: isoNow(deps),
        attempt: comp.attempt,
        detail: { ...error, delayMs: decision.delayMs },
      },
    });
    if (retried.ok) {
      await sendDispatches(
        deps,
        [{ runId: run.runId, taskId: planned.id, kind: 'compensate', lamport, readyAt: dueAt }],
        dueAt,
      );
    }
    return;
  }
  deps.logger.error('compensation failed for good: the rollback is incomplete', { ...site, error });
  await deps.store.finishCompensation({
    ...key,
    ...fence,
    status: 'compensation_failed',
    error,
    lamport,
    expiresAt: expiresAt(deps),
    event: {
      type: 'compensation.failed',
      lamport,
      at: isoNow(deps),
      attempt: comp.attempt,
      detail: { ...error },
    },
  });
  await driveRollback(deps, run.runId);
}

async function claim(
  deps: RuntimeDeps,
  planned: PlannedTask,
  message: TaskMessage,
): Promise<TaskRecord | undefined> {
  const claimed = await claimAttempt(deps, message, {
    claim: (now, lamport) =>
      deps.store.claimCompensation({
        runId: message.runId,
        taskId: planned.id,
        owner: deps.owner,
        now,
        leaseUntil: now + leaseMs(planned),
        lamport,
        event: { type: 'compensation.claimed', lamport, at: isoNow(deps), detail: { owner: deps.owner } },
      }),
    explain: explainCompensationClaim,
  });
  return claimed?.record;
}
