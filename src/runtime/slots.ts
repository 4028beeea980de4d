/**
 * Concurrency limits at run time (the slots of src/engine/slots.ts): a run of a workflow with
 * `concurrency:` takes its key's slot when its first root is about to start and gives it back when it
 * ends; a task with `concurrency:` takes its slot before each attempt and gives it back when the attempt
 * ends. A dispatch that finds the slots taken is queued (first come, first served) and sent again later,
 * on a growing back-off, unless a slot's release wakes it first. No worker is held while waiting, and
 * nothing is claimed: the task's attempts and timeout are untouched.
 */

import { depOutputs } from '../engine/gate.ts';
import {
  holderId,
  holds,
  MAX_RECHECK_MS,
  nextWaiters,
  parseHolder,
  recheckDelayMs,
  type SlotHolder,
  type SlotRecord,
} from '../engine/slots.ts';
import { isActiveRun, newTask } from '../engine/transitions/index.ts';
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
export interface Need {
  readonly key: string;
  readonly limit: number;
  readonly holder: SlotHolder;
}

/**
 * What the slots say about a dispatch: go (with the slots this dispatch took, and those its attempt holds
 * and gives back when it ends: its task's slot and its locks), wait, or a bad key.
 */
export type SlotGate =
  | { readonly kind: 'go'; readonly taken: readonly Need[]; readonly held: readonly Need[] }
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
  depsOf: () => Promise<Readonly<Record<string, Json>>>,
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
  if (planned.locks) {
    const scope = { input: JSON.parse(run.input) as Json, deps: await depsOf() };
    const names = await Promise.all(planned.locks.map((lock) => renderTemplate(lock, scope)));
    // the same lock twice is one lock; every dispatch takes its locks in the order of their names
    for (const name of [...new Set(names)].sort()) {
      needs.push({
        key: `lock:${name}`,
        limit: 1,
        holder: { kind: 'task', runId: run.runId, taskId: planned.id },
      });
    }
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
  item?: { readonly mapTaskId: string; readonly deps: Readonly<Record<string, Json>> },
): Promise<SlotGate> {
  if (!scope.plan.concurrency && !planned.concurrency && !planned.locks) {
    return { kind: 'go', taken: [], held: [] };
  }
  // a lock may name a dependency's output: the task's record has them (an item's are its map's)
  const depsOf = async () =>
    item
      ? item.deps
      : depOutputs(planned, (await deps.store.getTask(scope.run.runId, planned.id)) ?? newTask(planned.id));
  let needs: Need[];
  try {
    needs = await needsOf(scope.plan, scope.run, planned, item?.mapTaskId, depsOf);
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
      // a release wakes the first in line at once; the waiter also asks again on its back-off
      const dueAt = deps.now() + recheckDelayMs(waits - 1);
      deps.logger.info('waiting for a concurrency slot', {
        runId: scope.run.runId,
        taskId: planned.id,
        key: need.key,
      });
      await sendDispatches(deps, [{ ...message, waits }], dueAt);
      // what this dispatch took is given back (it does not start), and it keeps a place in this line only:
      // a place kept in a later one, from an earlier try, would hold that line up while it waits here
      await giveBack(deps, taken);
      await leaveLines(deps, needs.slice(needs.indexOf(need) + 1));
      return { kind: 'wait' };
    }
    // taken by this very dispatch, not held from before (by an earlier copy of it, running now)
    if (took) taken.push(need);
  }
  return { kind: 'go', taken, held: needs.filter((need) => need.holder.kind === 'task') };
}

/** Takes a waiting dispatch out of the lines of the slots it needs after the one it waits for. */
async function leaveLines(deps: RuntimeDeps, later: readonly Need[]): Promise<void> {
  for (const need of later) {
    const id = holderId(need.holder);
    const record = await deps.store.getSlot(need.key);
    if (!record?.queue.some((waiter) => waiter.id === id)) continue;
    const outcome = await deps.store.evictSlot({ key: need.key, holders: [], waiters: [id] });
    // the first in line may be the next now
    if (outcome.ok) await wake(deps, outcome.record);
  }
}

/** Gives back the slots a dispatch took when its claim was refused (a duplicate, an ended task). */
export async function giveBack(deps: RuntimeDeps, taken: readonly Need[]): Promise<void> {
  for (const need of taken) await release(deps, need.key, holderId(need.holder));
}

/** After an attempt ended through this worker: the slots it held (its task's slot, its locks) are given back. */
export async function releaseHeld(deps: RuntimeDeps, held: readonly Need[]): Promise<void> {
  for (const need of held) await release(deps, need.key, holderId(need.holder));
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
