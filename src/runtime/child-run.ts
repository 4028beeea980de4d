/**
 * Child workflows: a `workflow:` task's attempt starts a run of another workflow and waits for it, holding
 * no worker, as a callback task waits for its token. The child run's id is derived from the parent's (the
 * start is idempotent: a retried or taken-over attempt finds the same child) and is the wait's token, so
 * only the child's end completes the task; the child run records its parent, and its end answers it.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { depOutputs } from '../engine/gate.ts';
import { inputTooLarge } from '../engine/limits.ts';
import { isActiveRun } from '../engine/transitions/index.ts';
import type { RunContext, RunRecord, TaskRecord } from '../engine/types.ts';
import { evaluateExpression } from '../workflow/expression.ts';
import type { Plan, PlannedChild, PlannedTask } from '../workflow/plan.ts';
import { toErrorView } from './attempt.ts';
import { settleCallback } from './callback-wait.ts';
import { canonicalJson, sha256 } from './canonical-json.ts';
import { fault, isoNow, type RuntimeDeps } from './deps.ts';
import { ChildInputError, ChildRollbackIncompleteError, ChildWorkflowMissingError } from './errors.ts';
import { planFor } from './plans.ts';
import { driveRollback, stopRun } from './rollback.ts';
import { contextOf } from './run-context.ts';
import { startRun } from './submit.ts';
import type { Json, TaskErrorView } from './types.ts';

/** Longest child run id: past it, the parent's part is shortened and a hash keeps the id unique. */
const MAX_CHILD_ID = 200;

/**
 * The child run an attempt of `taskId` starts: one per failure count (a retry after the child failed
 * starts a new child; a takeover of the same attempt finds the same one) and per redrive. `~` is outside
 * the alphabet clients choose run ids from, so no client can take a child's id first.
 *
 * @example
 * childRunId('order-9', 'kyc', { failures: 0 }); // 'order-9~kyc~1'
 */
export function childRunId(
  parentRunId: string,
  taskId: string,
  record: Pick<TaskRecord, 'failures' | 'redriven'>,
): string {
  const redrive = record.redriven === undefined ? '' : `~r${record.redriven}`;
  const id = `${parentRunId}~${taskId}~${record.failures + 1}${redrive}`;
  if (id.length <= MAX_CHILD_ID) return id;
  return `${parentRunId.slice(0, 100)}~${sha256(id).slice(0, 40)}`;
}

/** What the attempt of a `workflow:` task came to: waiting for its child, or failed before starting it. */
export type ChildStart =
  | { readonly kind: 'started' }
  | { readonly kind: 'failed'; readonly error: TaskErrorView };

/**
 * Runs a claimed attempt of a `workflow:` task: evaluates the child's input, opens the wait (its token
 * is the child's id), creates the child run (or finds it: a retried start) and waits. A child that has
 * already ended answers at once.
 */
export async function startChild(
  deps: RuntimeDeps,
  scope: { readonly run: RunContext; readonly plan: Plan },
  planned: PlannedTask & { readonly child: PlannedChild },
  record: TaskRecord,
): Promise<ChildStart> {
  const { run } = scope;
  const childPlan = deps.plans.byName(planned.child.workflow);
  if (!childPlan) {
    const error = new ChildWorkflowMissingError(planned.id, planned.child.workflow);
    return { kind: 'failed', error: toErrorView(error) };
  }
  let input: string;
  try {
    input = await childInput(planned, run, record);
  } catch (error) {
    return { kind: 'failed', error: toErrorView(error) };
  }
  const tooLarge = inputTooLarge(input);
  if (tooLarge !== undefined) {
    return { kind: 'failed', error: toErrorView(new ChildInputError(planned.id, tooLarge)) };
  }
  const childId = childRunId(run.runId, planned.id, record);
  const fence = { owner: deps.owner, attempt: record.attempt };
  const opened = await deps.store.openCallback({
    runId: run.runId,
    taskId: planned.id,
    ...fence,
    token: childId,
  });
  if (!opened.ok) return { kind: 'started' };
  const created = await startRun(deps, childPlan, {
    runId: childId,
    input,
    parent: { runId: run.runId, taskId: planned.id },
  });
  const lamport = record.lamport + 1;
  const waiting = await deps.store.awaitCallback({
    runId: run.runId,
    taskId: planned.id,
    ...fence,
    token: childId,
    lamport,
    event: {
      type: 'task.waiting',
      lamport,
      at: isoNow(deps),
      attempt: record.attempt,
      detail: { childRunId: childId, workflow: childPlan.name },
    },
  });
  // a child found ended (this start was retried after it ran) answers now: nothing else would
  if (!created.created && created.existing && isEnded(created.existing) && waiting.ok) {
    await answerParent(deps, created.existing);
  }
  return { kind: 'started' };
}

/** The child's input: the task's `input` expression over `{ input, deps }`, else the parent run's input. */
async function childInput(planned: PlannedTask, run: RunContext, record: TaskRecord): Promise<string> {
  const expression = planned.child?.input;
  if (expression === undefined) return run.input;
  const scope = { input: JSON.parse(run.input) as Json, deps: depOutputs(planned, record) };
  const value = await evaluateExpression(expression, scope);
  return canonicalJson((value ?? null) as Json);
}

/** Whether a run has ended for good (a rollback in progress, or a pause, has not). */
function isEnded(run: RunRecord): boolean {
  return !isActiveRun(run);
}

/**
 * A child run has ended: its parent's task takes the outcome, once, if it still waits for this child (the
 * token is the child's id). Succeeded: the task's output is the child's sinks' outputs, by task id;
 * failed or cancelled: the task fails with the child's error (retried per its policy, with a new child).
 */
export async function answerParent(deps: RuntimeDeps, child: RunRecord): Promise<void> {
  const parent = child.parent;
  if (!parent || !isEnded(child)) return;
  fault(deps, 'afterChildEnd', { runId: child.runId });
  const state = await deps.store.loadRun(parent.runId);
  const record = state?.tasks.get(parent.taskId);
  if (!state || !record?.callback || record.callback.token !== child.runId) return;
  if (record.status !== 'running' && record.status !== 'waiting') return;
  // a parent rolling back stopped this child and waits for its end to go on with the rollback
  if (state.run.status === 'compensating') {
    await driveRollback(deps, parent.runId);
    return;
  }
  const plan = await planFor(deps, state.run.workflow, state.run.planVersion);
  const planned = plan.tasks[parent.taskId];
  if (!planned) return;
  const result =
    child.status === 'succeeded' ? { output: await childOutput(deps, child) } : { error: childError(child) };
  await settleCallback(deps, { run: contextOf(state.run), plan }, planned, record, result);
}

/** A succeeded child's output: each succeeded sink's output, by task id. */
async function childOutput(deps: RuntimeDeps, child: RunRecord): Promise<string> {
  const state = await deps.store.loadRun(child.runId);
  const plan = await planFor(deps, child.workflow, child.planVersion);
  const outputs: Record<string, Json> = {};
  for (const sink of plan.sinks) {
    const record = state?.tasks.get(sink);
    if (record?.status === 'succeeded') outputs[sink] = JSON.parse(record.output ?? 'null') as Json;
  }
  return JSON.stringify(outputs);
}

/** Why a child run that did not succeed fails its parent's task. */
function childError(child: RunRecord): TaskErrorView {
  const cause = child.error;
  const where = cause?.taskId === undefined ? '' : ` at task '${cause.taskId}'`;
  const why = cause === undefined ? '' : `: ${cause.name}: ${cause.message}`;
  return {
    name: child.status === 'cancelled' ? 'ChildRunCancelled' : 'ChildRunFailed',
    message: `child run ${child.runId} (workflow '${child.workflow}') ${child.status}${where}${why}`,
  };
}

/**
 * The parent is rolling back while its task waits for a child: the child stops (a running one rolls
 * back; one that just succeeded is reverted). Whether the child has ended: until then the wait goes on,
 * and the child's end drives the parent's rollback on (see {@link answerParent}).
 */
export async function stopChild(
  deps: RuntimeDeps,
  parentRunId: string,
  record: TaskRecord,
): Promise<boolean> {
  const childId = record.callback?.token;
  if (childId === undefined) return true;
  const child = await undoChild(deps, childId, parentRunId);
  return child === undefined || isEnded(child);
}

/**
 * Rolls a child run back because its parent rolls back: a running or paused child is stopped, a succeeded
 * one reopened for its rollback. Returns the child as it is after that (undefined: there is none).
 */
export async function undoChild(
  deps: RuntimeDeps,
  childId: string,
  parentRunId: string,
): Promise<RunRecord | undefined> {
  const child = await deps.store.getRun(childId);
  if (!child) return undefined;
  const error = { name: 'ParentRolledBack', message: `its parent run ${parentRunId} is rolling back` };
  const lamport = child.lamport + 1;
  const event = { type: 'run.cancelling', lamport, at: isoNow(deps), detail: { ...error } };
  if (child.status === 'running' || child.status === 'paused') {
    await stopRun(deps, childId, 'cancelled', error, lamport);
  } else if (child.status === 'succeeded') {
    const outcome = await deps.store.revertRun({
      runId: childId,
      createdAt: child.createdAt,
      error,
      lamport,
      event,
    });
    if (outcome.ok) await driveRollback(deps, childId);
  }
  return deps.store.getRun(childId);
}

/** Time between two looks at a child run whose rollback the parent's compensation waits for. */
const CHILD_POLL_MS = 100;

/**
 * The compensation of a child workflow task without one of its own: rolls the child run its success came
 * from back and waits for that rollback to end; done once the child has undone everything, failed (and
 * retried per the compensation's policy) when its rollback is incomplete.
 */
export async function rollBackChild(
  deps: RuntimeDeps,
  parentRunId: string,
  taskId: string,
  record: TaskRecord,
  signal: AbortSignal,
): Promise<void> {
  // the child this attempt's success came from: its id is derived from the same record
  const childId = childRunId(parentRunId, taskId, record);
  let child = await undoChild(deps, childId, parentRunId);
  while (child?.status === 'compensating' && !signal.aborted) {
    await delay(CHILD_POLL_MS, undefined, { signal }).catch(() => {});
    child = await deps.store.getRun(childId);
  }
  if (child?.rollback === 'incomplete') throw new ChildRollbackIncompleteError(taskId, childId);
}
