import { heartbeatDue, holdsToken } from '../engine/callback.ts';
import { formatBytes, outputLimitBytes, utf8Bytes } from '../engine/limits.ts';
import type { CallbackState, TaskRecord } from '../engine/types.ts';
import type { RunState } from '../store/run-store.ts';
import type { Plan, PlannedCallback, PlannedTask } from '../workflow/plan.ts';
import { parseCallbackToken } from './callback-token.ts';
import { settleCallback } from './callback-wait.ts';
import type { RuntimeDeps } from './deps.ts';
import { planFor } from './plans.ts';
import { contextOf } from './run-context.ts';
import type { CallbackAnswer, CallbackRequest } from './types.ts';

/** The callback task a token names, with its run, while the token is its open one. */
type Located =
  | {
      readonly kind: 'open';
      readonly state: RunState;
      readonly plan: Plan;
      readonly planned: PlannedTask;
      readonly callback: PlannedCallback;
      readonly record: TaskRecord & { readonly callback: CallbackState };
    }
  | Exclude<CallbackAnswer, { kind: 'accepted' }>;

async function locate(deps: RuntimeDeps, token: string): Promise<Located> {
  const address = parseCallbackToken(token);
  if (!address) return { kind: 'notFound' };
  const state = await deps.store.loadRun(address.runId);
  if (!state) return { kind: 'notFound' };
  const plan = await planFor(deps, state.run.workflow, state.run.planVersion);
  const planned = plan.tasks[address.taskId];
  const callback = planned?.callback;
  if (!planned || !callback) return { kind: 'notFound' };
  const record = state.tasks.get(address.taskId);
  if (!holdsToken(record, { token, attempt: address.attempt })) {
    return {
      kind: 'closed',
      runId: address.runId,
      taskId: address.taskId,
      status: record?.status ?? 'pending',
    };
  }
  return { kind: 'open', state, plan, planned, callback, record };
}

/**
 * Completes a callback task by its token: the output (within the task's output limit) or an error, in one
 * write conditional on the token being the task's open one, so a second completion is refused.
 */
export async function completeByToken(
  deps: RuntimeDeps,
  token: string,
  request: CallbackRequest,
): Promise<CallbackAnswer> {
  const found = await locate(deps, token);
  if (found.kind !== 'open') return found;
  const { state, plan, planned, record } = found;
  const runId = state.run.runId;
  let result: { output: string } | { error: { name: string; message: string } };
  if ('output' in request) {
    const output = JSON.stringify(request.output) ?? 'null';
    const limit = outputLimitBytes(plan, planned.id);
    const size = utf8Bytes(output);
    if (size > limit) {
      return {
        kind: 'invalid',
        message:
          `the output is ${formatBytes(size)}, more than task '${planned.id}' may checkpoint (${formatBytes(limit)}); ` +
          'store large data elsewhere (e.g. S3) and complete the callback with a reference',
      };
    }
    result = { output };
  } else {
    result = { error: { name: request.error.name, message: request.error.message } };
  }
  const settled = await settleCallback(deps, { run: contextOf(state.run), plan }, planned, record, result);
  if (settled.kind === 'closed') {
    return { kind: 'closed', runId, taskId: planned.id, status: settled.current?.status ?? record.status };
  }
  return { kind: 'accepted', runId, taskId: planned.id, status: settled.status };
}

/** A heartbeat by token: a waiting task's wait now lapses one heartbeat interval from now (never past its timeout). */
export async function heartbeatByToken(deps: RuntimeDeps, token: string): Promise<CallbackAnswer> {
  const found = await locate(deps, token);
  if (found.kind !== 'open') return found;
  const { state, planned, callback, record } = found;
  const answer = { kind: 'accepted', runId: state.run.runId, taskId: planned.id, status: 'waiting' } as const;
  const dueAt = heartbeatDue(callback, record.callback.timeoutAt, deps.now());
  // nothing to move: no heartbeat interval, or the handler still runs (the wait has not started)
  if (record.status !== 'waiting' || dueAt === undefined || callback.heartbeatMs === undefined) return answer;
  const outcome = await deps.store.heartbeatCallback({
    runId: state.run.runId,
    taskId: planned.id,
    token,
    attempt: record.attempt,
    dueAt,
  });
  if (!outcome.ok) {
    return {
      kind: 'closed',
      runId: state.run.runId,
      taskId: planned.id,
      status: outcome.current?.status ?? record.status,
    };
  }
  return answer;
}
