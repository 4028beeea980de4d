import { explainTaskClaim } from '../engine/claim.ts';
import { formatBytes, leaseMs, MAX_TAKEOVERS, outputLimitBytes, utf8Bytes } from '../engine/limits.ts';
import { decideFailure, queueDelaySeconds } from '../engine/retry.ts';
import type { RunRecord, TaskMessage, TaskRecord } from '../engine/types.ts';
import type { PlannedTask } from '../workflow/plan.ts';
import { advance } from './advance.ts';
import { runAttempt, toErrorView, withAutoRenew } from './attempt.ts';
import { checkpointTask } from './checkpoint.ts';
import { claimAttempt, depOutputs } from './claim-attempt.ts';
import { expiresAt, fault, isoNow, type RuntimeDeps } from './deps.ts';
import { sendDispatches } from './dispatch.ts';
import { HandlerNotFoundError, OutputTooLargeError, TaskLostError, TaskTimeoutError } from './errors.ts';
import { planFor } from './plans.ts';
import { driveRollback, stopRun } from './rollback.ts';
import type { Json, TaskErrorView, TaskHandler } from './types.ts';

/**
 * Runs one attempt of a task from its dispatch message: read the run once (is it still running, which
 * plan version), claim (one conditional write), run the handler, checkpoint (fenced on owner and attempt),
 * then advance along the edges. A failure is retried per the task's policy or stops the run.
 */
export async function executeTask(deps: RuntimeDeps, message: TaskMessage): Promise<void> {
  const run = await deps.store.getRun(message.runId);
  if (!run) {
    deps.logger.warn('message for an unknown run dropped', { ...message });
    return;
  }
  // a stopping run starts nothing new: the rollback marks this task skipped
  if (run.status !== 'running') return;
  const plan = await planFor(deps, run.workflow, run.planVersion);
  const planned = plan.tasks[message.taskId];
  if (!planned) {
    deps.logger.warn('message for an unknown task dropped', { ...message });
    return;
  }
  // left claimable for a process that has this task's handler
  if (deps.accepts && !deps.accepts(plan, planned.id, 'task')) return;
  const claimed = await claim(deps, planned, message);
  if (!claimed) return;
  const site = { runId: run.runId, taskId: planned.id };
  fault(deps, 'afterClaim', site);
  if (claimed.takeovers > MAX_TAKEOVERS) {
    await fail(deps, run, planned, claimed, toErrorView(new TaskLostError(planned.id, claimed.takeovers)));
    return;
  }
  const fence = { owner: deps.owner, attempt: claimed.attempt };
  const startedAt = deps.now();
  const outcome = await runAttempt({
    run: (signal, heartbeat) =>
      resolveHandler(deps, planned)(
        {
          input: JSON.parse(run.input) as Json,
          deps: depOutputs(planned, claimed),
          runId: run.runId,
          taskId: planned.id,
          attempt: claimed.attempt,
        },
        { signal, heartbeat, idempotencyKey: `${run.runId}:${planned.id}` },
      ),
    ...(planned.timeoutMs !== undefined ? { timeoutMs: planned.timeoutMs } : {}),
    ...withAutoRenew(planned),
    renew: async () => {
      const renewed = await deps.store.renewLease({
        runId: run.runId,
        taskId: planned.id,
        ...fence,
        leaseUntil: deps.now() + leaseMs(planned),
      });
      return renewed.ok;
    },
    shutdown: deps.shutdown,
  });
  fault(deps, 'afterHandler', site);
  if (outcome.kind === 'leaseLost' || outcome.kind === 'shutdown') {
    deps.logger.warn(`attempt abandoned: ${outcome.kind}`, { ...site, attempt: claimed.attempt });
    return;
  }
  if (outcome.kind === 'timedOut') {
    const error = toErrorView(new TaskTimeoutError(planned.id, planned.timeoutMs ?? 0));
    await fail(deps, run, planned, claimed, error);
    return;
  }
  if (outcome.kind === 'threw') {
    await fail(deps, run, planned, claimed, outcome.error);
    return;
  }
  const output = serialise(outcome.value);
  if (typeof output !== 'string') {
    await fail(deps, run, planned, claimed, output);
    return;
  }
  const limit = outputLimitBytes(plan, planned.id);
  const size = utf8Bytes(output);
  if (size > limit) {
    const error = new OutputTooLargeError(planned.id, size, limit, formatBytes(size), formatBytes(limit));
    await fail(deps, run, planned, claimed, toErrorView(error));
    return;
  }
  const lamport = claimed.lamport + 1;
  const checkpointed = await checkpointTask(deps, {
    runId: run.runId,
    taskId: planned.id,
    fence,
    output,
    lamport,
  });
  if (!checkpointed) return;
  deps.metrics.taskFinished(planned.id, 'succeeded', deps.now() - startedAt);
  fault(deps, 'afterCheckpoint', site);
  if (checkpointed.stopping) {
    await driveRollback(deps, run.runId);
    return;
  }
  await advance(deps, plan, run.runId, planned.id, output, lamport);
}

async function claim(
  deps: RuntimeDeps,
  planned: PlannedTask,
  message: TaskMessage,
): Promise<TaskRecord | undefined> {
  const claimed = await claimAttempt(deps, message, {
    claim: (now, lamport) =>
      deps.store.claimTask({
        runId: message.runId,
        taskId: planned.id,
        owner: deps.owner,
        now,
        leaseUntil: now + leaseMs(planned),
        lamport,
        depCount: planned.deps.length,
        event: { type: 'task.claimed', lamport, at: isoNow(deps), detail: { owner: deps.owner } },
      }),
    explain: (current, now, lamport) => explainTaskClaim(current, planned.deps.length, now, lamport),
  });
  if (claimed) deps.metrics.schedulingLatency(claimed.claimedAt - message.readyAt);
  return claimed?.record;
}

function resolveHandler(deps: RuntimeDeps, planned: PlannedTask): TaskHandler {
  if (planned.lambda !== undefined) {
    const invoke = deps.invokeLambda;
    const functionName = planned.lambda;
    if (!invoke) throw new HandlerNotFoundError(`lambda:${functionName} (no Lambda client configured)`);
    return (event, ctx) => invoke(functionName, event as unknown as Json, ctx.signal);
  }
  const handler = deps.handlers[planned.handler];
  if (typeof handler !== 'function') throw new HandlerNotFoundError(planned.handler);
  return handler as TaskHandler;
}

/** The output as JSON text; a handler that returns nothing (or a function) checkpoints `null`. */
function serialise(value: unknown): string | TaskErrorView {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch (error) {
    return {
      name: 'InvalidOutputError',
      message: `the handler's result is not JSON: ${toErrorView(error).message}`,
    };
  }
}

/** A failed attempt: retried after a backoff when the policy allows, else the task fails and the run stops. */
async function fail(
  deps: RuntimeDeps,
  run: RunRecord,
  planned: PlannedTask,
  claimed: TaskRecord,
  error: TaskErrorView,
): Promise<void> {
  const failures = claimed.failures + 1;
  const decision = decideFailure(planned.retry, failures, error.name, deps.random());
  const lamport = claimed.lamport + 1;
  const base = {
    runId: run.runId,
    taskId: planned.id,
    owner: deps.owner,
    attempt: claimed.attempt,
    error,
    failures,
    lamport,
  };
  if (decision.kind === 'retry') {
    const now = deps.now();
    const dueAt = now + decision.delayMs;
    const outcome = await deps.store.retryTask({
      ...base,
      dueAt,
      event: {
        type: 'task.retrying',
        lamport,
        at: isoNow(deps),
        attempt: claimed.attempt,
        detail: { ...error, delayMs: decision.delayMs },
      },
    });
    if (!outcome.ok) return;
    if (outcome.record.stopping) {
      await driveRollback(deps, run.runId);
      return;
    }
    await sendDispatches(
      deps,
      [{ runId: run.runId, taskId: planned.id, kind: 'task', lamport, readyAt: dueAt }],
      queueDelaySeconds(dueAt, now),
    );
    return;
  }
  const outcome = await deps.store.endTask({
    ...base,
    status: 'failed',
    expiresAt: expiresAt(deps),
    event: {
      type: 'task.failed',
      lamport,
      at: isoNow(deps),
      attempt: claimed.attempt,
      detail: { ...error },
    },
  });
  if (!outcome.ok) return;
  deps.metrics.taskFinished(planned.id, 'failed', deps.now() - (claimed.startedAt ?? deps.now()));
  deps.logger.warn('task failed', { runId: run.runId, taskId: planned.id, error });
  await stopRun(deps, run.runId, 'failed', { ...error, taskId: planned.id }, lamport + 1);
}
