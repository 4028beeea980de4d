import { type CallbackResult, decideCompletion, lapseOf, waitDeadlines } from '../engine/callback.ts';
import type { RunContext, TaskRecord } from '../engine/types.ts';
import type { Plan, PlannedTask } from '../workflow/plan.ts';
import { advance } from './advance.ts';
import { toErrorView } from './attempt.ts';
import { newCallbackToken } from './callback-token.ts';
import { expiresAt, fault, isoNow, type RuntimeDeps } from './deps.ts';
import { ownDispatch, sendDispatches } from './dispatch.ts';
import { CallbackTimeoutError } from './errors.ts';
import { stopOnFailure, stoppedAfterFlag } from './pause.ts';
import { taskMessage } from './run-context.ts';
import type { Json } from './types.ts';

/**
 * A callback task's attempt opens a fresh token before its handler runs (one fenced write), so that a
 * completion may come while the handler still runs. Undefined when the attempt lost its claim.
 */
export async function openToken(
  deps: RuntimeDeps,
  runId: string,
  planned: PlannedTask,
  record: TaskRecord,
): Promise<string | undefined> {
  const token = newCallbackToken({ runId, taskId: planned.id, attempt: record.attempt });
  const outcome = await deps.store.openCallback({
    runId,
    taskId: planned.id,
    owner: deps.owner,
    attempt: record.attempt,
    token,
  });
  return outcome.ok ? token : undefined;
}

/**
 * The attempt's handler is done (or it has none): the task waits, `waiting` and unowned, for its token.
 * A wait that can lapse has its dispatch sent for the lapse time, as a sleep's; the store keeps the time,
 * so a lost message is sent again by the recovery pass.
 */
export async function awaitCompletion(
  deps: RuntimeDeps,
  run: RunContext,
  planned: PlannedTask,
  record: TaskRecord,
  token: string,
): Promise<void> {
  const callback = planned.callback;
  if (!callback) return;
  const deadlines = waitDeadlines(callback, deps.now());
  const lamport = record.lamport + 1;
  const detail: Record<string, Json> =
    deadlines.timeoutAt === undefined ? {} : { timeoutAt: iso(deadlines.timeoutAt) };
  const outcome = await deps.store.awaitCallback({
    runId: run.runId,
    taskId: planned.id,
    owner: deps.owner,
    attempt: record.attempt,
    token,
    ...deadlines,
    // this worker ran the attempt: the lapse's dispatch goes to its own queue
    ...(deadlines.dueAt === undefined ? {} : { dispatchedAt: deadlines.dueAt }),
    lamport,
    event: { type: 'task.waiting', lamport, at: isoNow(deps), attempt: record.attempt, detail },
  });
  // refused: a completion came while the handler ran (its completer went on), or the claim was lost
  if (!outcome.ok) return;
  if (outcome.record.stopping && (await stoppedAfterFlag(deps, run.runId))) return;
  const dueAt = deadlines.dueAt;
  if (dueAt !== undefined) await sendDispatches(deps, [taskMessage(run, planned.id, lamport, dueAt)], dueAt);
}

/** The outcome of a completion, as its caller reports it. */
export type Settled =
  | { readonly kind: 'accepted'; readonly status: 'succeeded' | 'retrying' | 'failed' }
  /** The token is not (or no longer) the task's open one: completed before, superseded, or ended. */
  | { readonly kind: 'closed'; readonly current?: TaskRecord };

/**
 * Completes a callback task's attempt from `record` (read just before): one write, conditional on the
 * token, accepted once; then what any end of an attempt does: the edges of a success, the retry's
 * dispatch, or the run's stop.
 */
export async function settleCallback(
  deps: RuntimeDeps,
  scope: { readonly run: RunContext; readonly plan: Plan },
  planned: PlannedTask,
  record: TaskRecord,
  result: CallbackResult,
): Promise<Settled> {
  const { run, plan } = scope;
  const token = record.callback?.token;
  if (token === undefined) return { kind: 'closed', current: record };
  const lamport = record.lamport + 1;
  const decided = decideCompletion(planned.retry, record, result, {
    now: deps.now(),
    expiresAt: expiresAt(deps),
    random: deps.random(),
  });
  // any process may complete a wait: the retry's dispatch counts if this one runs the task
  const completion =
    decided.status === 'ready'
      ? { ...decided, ...ownDispatch(deps, plan, planned.id, 'task', decided.dueAt) }
      : decided;
  const type =
    completion.status === 'succeeded'
      ? 'task.succeeded'
      : completion.status === 'ready'
        ? 'task.retrying'
        : 'task.failed';
  // a child's answer names its child: the view links it even when the answer came before the wait's entry
  const child: Record<string, Json> = planned.child ? { childRunId: token } : {};
  const detail =
    completion.status === 'succeeded'
      ? { via: 'callback', ...child }
      : {
          ...completion.error,
          via: 'callback',
          ...child,
          ...(completion.status === 'ready' ? { delayMs: completion.dueAt - deps.now() } : {}),
        };
  const outcome = await deps.store.completeCallback({
    runId: run.runId,
    taskId: planned.id,
    token,
    attempt: record.attempt,
    completion,
    lamport,
    event: { type, lamport, at: isoNow(deps), attempt: record.attempt, detail },
  });
  if (!outcome.ok) return { kind: 'closed', ...(outcome.current ? { current: outcome.current } : {}) };
  fault(deps, 'afterCallback', { runId: run.runId, taskId: planned.id });
  const stopped = async () => outcome.record.stopping && (await stoppedAfterFlag(deps, run.runId));
  if (completion.status === 'succeeded') {
    deps.metrics.taskFinished(planned.id, 'succeeded', deps.now() - (record.startedAt ?? deps.now()));
    if (!(await stopped())) await advance(deps, plan, run, planned.id, completion.output, lamport);
    return { kind: 'accepted', status: 'succeeded' };
  }
  if (completion.status === 'ready') {
    if (!(await stopped())) {
      const message = taskMessage(run, planned.id, lamport, completion.dueAt);
      await sendDispatches(deps, [message], completion.dueAt);
    }
    return { kind: 'accepted', status: 'retrying' };
  }
  deps.metrics.taskFinished(planned.id, 'failed', deps.now() - (record.startedAt ?? deps.now()));
  deps.logger.warn('task failed', { runId: run.runId, taskId: planned.id, error: completion.error });
  const error = { ...completion.error, taskId: planned.id };
  await stopOnFailure(deps, plan, run.runId, error, lamport + 1);
  return { kind: 'accepted', status: 'failed' };
}

/** A wait whose lapse time has passed ends its attempt with a `CallbackTimeout` (retried per the policy). */
export async function lapseWait(
  deps: RuntimeDeps,
  scope: { readonly run: RunContext; readonly plan: Plan },
  planned: PlannedTask,
  record: TaskRecord,
): Promise<void> {
  const lapse = lapseOf(record);
  const ms = (lapse === 'timeout' ? planned.callback?.timeoutMs : planned.callback?.heartbeatMs) ?? 0;
  const error = toErrorView(new CallbackTimeoutError(planned.id, lapse, ms));
  await settleCallback(deps, scope, planned, record, { error });
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
