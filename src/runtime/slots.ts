/**
 * Concurrency limits at run time (the slots of src/engine/slots.ts): a run of a workflow with
 * `concurrency:` takes its key's slot when its first root is about to start and gives it back when it
 * ends; a task with `concurrency:` takes its slot before each attempt and gives it back when the attempt
 * ends. A dispatch that finds the slots taken is queued (first come, first served) and sent again later,
 * on a growing back-off, unless a slot's release wakes it first. No worker is held while waiting, and
 * nothing is claimed: the task's attempts and timeout are untouched.
 */
import {
  holderId,
  holds,
  nextWaiters,
  parseHolder,
  recheckDelayMs,
  type SlotHolder,
  type SlotRecord,
} from '../engine/slots.ts';
import { isActiveRun } from '../engine/transitions/index.ts';
import type { RunContext, RunRecord, TaskMessage } from '../engine/types.ts';
import { renderTemplate } from '../workflow/expression.ts';
import type { Plan, PlannedConcurrency, PlannedTask } from '../workflow/plan.ts';
import { toErrorView } from './attempt.ts';
import { fault, type RuntimeDeps } from './deps.ts';
import { sendDispatches } from './dispatch.ts';
import { planFor } from './plans.ts';
import { contextOf } from './run-context.ts';
import type { Json, TaskErrorView } from './types.ts';

/** A holder whose work has not shown in the store this long after it took its slot may be evicted. */
const HOLDER_GRACE_MS = 30_000;

/** One slot an attempt needs. */
interface Need {
  readonly key: string;
  readonly limit: number;
  readonly holder: SlotHolder;
}

/** What the slots say about a dispatch: go (with the slots this dispatch took), wait, or a bad key. */
export type SlotGate =
  | { readonly kind: 'go'; readonly taken: readonly Need[] }
  | { readonly kind: 'wait' }
  | { readonly kind: 'failed'; readonly error: TaskErrorView };

async function keyOf(scope: string, limit: PlannedConcurrency, input: string): Promise<string> {
  const rendered =
    limit.key === undefined
      ? ''
      : await renderTemplate(limit.key, { input: JSON.parse(input) as Json, deps: {} });
  return `${scope}:${rendered}`;
}

/** The slots a dispatch of `planned` needs: its run's, if it is a root; its task's (a map item: its map's). */
async function needsOf(
  plan: Plan,
  run: RunContext,
  planned: PlannedTask,
  mapTaskId: string | undefined,
): Promise<Need[]> {
  const needs: Need[] = [];
  if (plan.concurrency && planned.deps.length === 0 && mapTaskId === undefined) {
    const key = await keyOf(`run:${plan.name}`, plan.concurrency, run.input);
    needs.push({ key, limit: plan.concurrency.limit, holder: { kind: 'run', runId: run.runId } });
  }
  if (planned.concurrency) {
    const taskId = mapTaskId ?? planned.id;
    const key = await keyOf(`task:${plan.name}:${taskId}`, planned.concurrency, run.input);
    needs.push({
      key,
      limit: planned.concurrency.limit,
      holder: { kind: 'task', runId: run.runId, taskId: planned.id },
    });
  }
  return needs;
}

/**
 * Takes the slots a dispatch needs before its claim. Full: the holders the store shows dead are evicted
 * and the slot asked for again; still full, the dispatch is queued and sent again after its back-off.
 */
export async function takeSlots(
  deps: RuntimeDeps,
  scope: { readonly run: RunContext; readonly plan: Plan },
  planned: PlannedTask,
  message: TaskMessage,
  mapTaskId?: string,
): Promise<SlotGate> {
  if (!scope.plan.concurrency && !planned.concurrency) return { kind: 'go', taken: [] };
  let needs: Need[];
  try {
    needs = await needsOf(scope.plan, scope.run, planned, mapTaskId);
  } catch (error) {
    return { kind: 'failed', error: toErrorView(error) };
  }
  const taken: Need[] = [];
  for (const need of needs) {
    const id = holderId(need.holder);
    const acquire = (now: number) =>
      deps.store.acquireSlot({ key: need.key, limit: need.limit, holder: id, now });
    let { record, taken: took } = await acquire(deps.now());
    if (!holds(record, id) && (await evictDead(deps, need.key, record))) {
      ({ record, taken: took } = await acquire(deps.now()));
    }
    if (!holds(record, id)) {
      const waits = (message.waits ?? 0) + 1;
      const dueAt = deps.now() + recheckDelayMs(waits - 1);
      deps.logger.info('waiting for a concurrency slot', {
        runId: scope.run.runId,
        taskId: planned.id,
        key: need.key,
      });
      await sendDispatches(deps, [{ ...message, waits }], dueAt);
      // a slot this dispatch took for the run is given back: it does not start
      await giveBack(deps, taken);
      return { kind: 'wait' };
    }
    // taken by this very dispatch, not held from before (by an earlier copy of it, running now)
    if (took) taken.push(need);
  }
  return { kind: 'go', taken };
}

/** Gives back the slots a dispatch took when its claim was refused (a duplicate, an ended task). */
export async function giveBack(deps: RuntimeDeps, taken: readonly Need[]): Promise<void> {
  for (const need of taken) await release(deps, need.key, holderId(need.holder));
}

/** After an attempt of `planned` ended through this worker: its task's slot is given back. */
export async function releaseTaskSlot(
  deps: RuntimeDeps,
  scope: { readonly run: RunContext; readonly plan: Plan },
  planned: PlannedTask,
  mapTaskId?: string,
): Promise<void> {
  if (!planned.concurrency) return;
  const taskId = mapTaskId ?? planned.id;
  // a key that does not evaluate took no slot (its attempt failed on it)
  const key = await keyOf(`task:${scope.plan.name}:${taskId}`, planned.concurrency, scope.run.input).catch(
    () => undefined,
  );
  if (key !== undefined) {
    await release(deps, key, holderId({ kind: 'task', runId: scope.run.runId, taskId: planned.id }));
  }
}

/** After a run ended (its last write): its slot is given back, and the first waiting run woken. */
export async function releaseRunSlot(deps: RuntimeDeps, run: RunRecord): Promise<void> {
  const plan = await planFor(deps, run.workflow, run.planVersion);
  if (!plan.concurrency) return;
  fault(deps, 'beforeSlotRelease', { runId: run.runId });
  const key = await keyOf(`run:${plan.name}`, plan.concurrency, run.input).catch(() => undefined);
  if (key !== undefined) await release(deps, key, holderId({ kind: 'run', runId: run.runId }));
}

async function release(deps: RuntimeDeps, key: string, holder: string): Promise<void> {
  const outcome = await deps.store.releaseSlot({ key, holder });
  if (outcome.ok) await wake(deps, outcome.record);
}

/**
 * Evicts the holders the store shows dead: a run that ended (or is gone), an attempt whose task is not
 * running, taken more than {@link HOLDER_GRACE_MS} ago (so a dispatch between its slot and its claim is
 * not taken for dead). Returns whether any was evicted (the waiters it frees room for are woken).
 */
async function evictDead(deps: RuntimeDeps, key: string, record: SlotRecord): Promise<boolean> {
  const dead: string[] = [];
  for (const [id, takenAt] of Object.entries(record.holders)) {
    const holder = parseHolder(id);
    if (!holder) {
      dead.push(id);
      continue;
    }
    if (holder.kind === 'run') {
      const run = await deps.store.getRun(holder.runId);
      if (!run || !isActiveRun(run)) dead.push(id);
      continue;
    }
    if (takenAt > deps.now() - HOLDER_GRACE_MS) continue;
    const task = await deps.store.getTask(holder.runId, holder.taskId);
    if (task?.status !== 'running') dead.push(id);
  }
  if (dead.length === 0) return false;
  const outcome = await deps.store.evictSlot({ key, holders: dead });
  if (!outcome.ok) return false;
  deps.logger.warn('concurrency slots of dead holders freed', { key, holders: dead });
  return true;
}

/** Sends the dispatch of each waiter a freed slot admits: a run's roots, or a task. */
async function wake(deps: RuntimeDeps, record: SlotRecord): Promise<void> {
  const messages: TaskMessage[] = [];
  const now = deps.now();
  for (const id of nextWaiters(record)) {
    const waiter = parseHolder(id);
    if (!waiter) continue;
    if (waiter.kind === 'task') {
      messages.push({ runId: waiter.runId, taskId: waiter.taskId, kind: 'task', lamport: 1, readyAt: now });
      continue;
    }
    const run = await deps.store.getRun(waiter.runId);
    if (!run || !isActiveRun(run)) continue;
    const plan = await planFor(deps, run.workflow, run.planVersion);
    const context = contextOf(run);
    for (const root of plan.roots) {
      messages.push({
        runId: run.runId,
        taskId: root,
        kind: 'task',
        lamport: 1,
        readyAt: now,
        run: { workflow: context.workflow, planVersion: context.planVersion },
      });
    }
  }
  await sendDispatches(deps, messages);
}
