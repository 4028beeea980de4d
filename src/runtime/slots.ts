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
  nextWaiters,
  parseHolder,
  recheckDelayMs,
  type SlotHolder,
  type SlotRecord,
} from '../engine/slots.ts';
import { hasEnded } from '../engine/task-status.ts';
import { isActiveRun, newTask } from '../engine/transitions/index.ts';
import type { RunContext, RunRecord, StoredEvent, TaskMessage } from '../engine/types.ts';
import { WeftError } from '../errors.ts';
import { renderTemplate } from '../workflow/expression.ts';
import type { Plan, PlannedConcurrency, PlannedTask } from '../workflow/plan.ts';
import { toErrorView } from './attempt.ts';
import { fault, type RuntimeDeps } from './deps.ts';
import { sendDispatches } from './dispatch.ts';
import { planFor } from './plans.ts';
import { contextOf } from './run-context.ts';
import type { Json, LockGrant, TaskErrorView } from './types.ts';

/** Lock keys: `locks:` names, a slot of limit 1 each. */
const LOCK_PREFIX = 'lock:';
/** How soon a dispatch whose slot was too contended to write asks again. */
const CONTENDED_RETRY_MS = 250;
/** Waiters ahead of a blocked asker checked for dead ones, when a slot is free but they hold the line. */
const MAX_AHEAD_CHECKED = 10;

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
  | {
      readonly kind: 'go';
      readonly taken: readonly Need[];
      readonly held: readonly Need[];
      /** The locks' history entries, for the claim to record. */
      readonly events: readonly StoredEvent[];
      /** The locks held, with their fencing tokens, for the handler (`ctx.locks`). */
      readonly locks: readonly LockGrant[];
    }
  | { readonly kind: 'wait' }
  /** The task ended: a late copy of its dispatch, dropped. */
  | { readonly kind: 'ended' }
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
        key: `${LOCK_PREFIX}${name}`,
        limit: 1,
        holder: { kind: 'task', runId: run.runId, taskId: planned.id },
      });
    }
  }
  return needs;
}

/**
 * Takes the slots a dispatch needs before its claim, one by one in one global order (the run's slot, the
 * task's slot, then its locks by name). Full: the holders the store shows dead are evicted and the slot
 * asked for again; still full, the dispatch is queued in that slot's line and sent again after its
 * back-off, keeping what it took: every wait is for a slot later in the order than any its waiter holds,
 * so no cycle of waits can form (no deadlock), and a waiter never gives up its place (no livelock).
 */
export async function takeSlots(
  deps: RuntimeDeps,
  scope: { readonly run: RunContext; readonly plan: Plan },
  planned: PlannedTask,
  message: TaskMessage,
  item?: { readonly mapTaskId: string; readonly deps: Readonly<Record<string, Json>> },
): Promise<SlotGate> {
  if (!scope.plan.concurrency && !planned.concurrency && !planned.locks) {
    return { kind: 'go', taken: [], held: [], events: [], locks: [] };
  }
  const record = await deps.store.getTask(scope.run.runId, planned.id);
  // a lock may name a dependency's output: the task's record has them (an item's are its map's)
  const depsOf = async () => (item ? item.deps : depOutputs(planned, record ?? newTask(planned.id)));
  let needs: Need[];
  try {
    needs = await needsOf(scope.plan, scope.run, planned, item?.mapTaskId, depsOf);
  } catch (error) {
    if (record && hasEnded(record.status)) return { kind: 'ended' };
    return { kind: 'failed', error: toErrorView(error) };
  }
  if (record && hasEnded(record.status)) {
    // a late copy of an ended task's dispatch takes nothing, and takes its task out of any line it was
    // left in (a copy queued while the attempt ran): at the head of one, it would hold up everyone behind
    await leaveAll(deps, needs);
    return { kind: 'ended' };
  }
  const taken: Need[] = [];
  const locks: { need: Need; record: SlotRecord }[] = [];
  for (const need of needs) {
    const id = holderId(need.holder);
    const acquire = (now: number) =>
      deps.store.acquireSlot({ key: need.key, limit: need.limit, holder: id, now });
    let outcome: Awaited<ReturnType<typeof acquire>> | undefined;
    try {
      outcome = await acquire(deps.now());
      if (!holds(outcome.record, id) && (await evictDead(deps, need.key, outcome.record, id))) {
        outcome = await acquire(deps.now());
      }
    } catch (error) {
      // a key so hot that its compare-and-set kept losing: ask again soon, keeping what was taken
      if (!(error instanceof WeftError && error.code === 'store.contention')) throw error;
      deps.logger.warn('slot contended; asking again', { runId: scope.run.runId, key: need.key });
      await sendDispatches(deps, [message], deps.now() + CONTENDED_RETRY_MS);
      return { kind: 'wait' };
    }
    if (!holds(outcome.record, id)) {
      const waits = (message.waits ?? 0) + 1;
      // a release wakes the first in line at once; the waiter also asks again on its back-off
      const dueAt = deps.now() + recheckDelayMs(waits - 1);
      deps.logger.info(isLock(need) ? 'waiting for a lock' : 'waiting for a concurrency slot', {
        runId: scope.run.runId,
        taskId: planned.id,
        key: need.key,
      });
      await sendDispatches(deps, [{ ...message, waits }], dueAt);
      return { kind: 'wait' };
    }
    // taken by this very dispatch, not held from before (by an earlier copy of it, running now)
    if (outcome.taken) taken.push(need);
    if (outcome.taken && isLock(need)) deps.metrics.lockWait(outcome.record.waited?.[id] ?? 0);
    if (isLock(need)) locks.push({ need, record: outcome.record });
  }
  const held = needs.filter((need) => need.holder.kind === 'task');
  const grants = locks.map(({ need, record }) => ({
    key: lockName(need),
    token: record.tokens?.[holderId(need.holder)] ?? 0,
  }));
  return { kind: 'go', taken, held, events: lockEvents(locks), locks: grants };
}

/** Takes an ended task out of the lines and holders of `needs`, waking whoever that lets in. */
async function leaveAll(deps: RuntimeDeps, needs: readonly Need[]): Promise<void> {
  for (const need of needs) {
    const id = holderId(need.holder);
    const outcome = await deps.store.evictSlot({ key: need.key, holders: [id], waiters: [id] });
    if (outcome.ok) await wake(deps, outcome.record);
  }
}

function isLock(need: Need): boolean {
  return need.key.startsWith(LOCK_PREFIX);
}

/** A lock's name as `locks:` rendered it (its slot key without the prefix). */
function lockName(need: Need): string {
  return need.key.slice(LOCK_PREFIX.length);
}

/**
 * The history entries of the locks an attempt holds, for its claim to record (a wait costs no write of
 * its own): per lock, `task.lockWaiting` from when its dispatch first found it held, if it waited, then
 * `task.lockAcquired` with the wait. The lock-wait metric is counted when the lock is taken.
 */
function lockEvents(held: readonly { readonly need: Need; readonly record: SlotRecord }[]): StoredEvent[] {
  return held.flatMap(({ need, record }): StoredEvent[] => {
    const id = holderId(need.holder);
    const takenAt = record.holders[id] ?? 0;
    const waitedMs = record.waited?.[id] ?? 0;
    const key = lockName(need);
    const acquired: StoredEvent = {
      type: 'task.lockAcquired',
      lamport: 0,
      at: new Date(takenAt).toISOString(),
      detail: { key, waitedMs },
    };
    if (waitedMs === 0) return [acquired];
    const since = new Date(takenAt - waitedMs).toISOString();
    return [{ type: 'task.lockWaiting', lamport: 0, at: since, detail: { key } }, acquired];
  });
}

/**
 * A dispatch whose claim was refused gives back what it took, unless a copy of it runs the attempt now:
 * that attempt holds them (the same holder) and gives them back when it ends.
 */
export async function giveBack(
  deps: RuntimeDeps,
  runId: string,
  taskId: string,
  taken: readonly Need[],
): Promise<void> {
  if (taken.length === 0) return;
  const task = await deps.store.getTask(runId, taskId);
  if (task?.status === 'running') return;
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
 * Evicts the holders the store shows dead: a run that ended (or is gone), a task that ended (or whose run
 * did). A task still to run (pending, or waiting in a line) or running (its taker keeps what it holds) is
 * alive. Drops the waiters ahead of `asker` that are dead the same way, when a slot is free but they
 * hold the line. Returns whether any was evicted (the waiters it frees room for are woken).
 */
async function evictDead(
  deps: RuntimeDeps,
  key: string,
  record: SlotRecord,
  asker: string,
): Promise<boolean> {
  const dead: string[] = [];
  for (const id of Object.keys(record.holders)) if (!(await alive(deps, id))) dead.push(id);
  const free = record.limit - Object.keys(record.holders).length + dead.length;
  const ahead = free > 0 ? record.queue.slice(0, MAX_AHEAD_CHECKED).filter((w) => w.id !== asker) : [];
  const gone: string[] = [];
  for (const waiter of ahead) if (!(await alive(deps, waiter.id))) gone.push(waiter.id);
  if (dead.length === 0 && gone.length === 0) return false;
  const outcome = await deps.store.evictSlot({ key, holders: dead, waiters: gone });
  if (!outcome.ok) return false;
  deps.logger.warn('concurrency slots of dead holders freed', { key, holders: dead, waiters: gone });
  // the first in line may be let in now, the asker or not
  await wake(deps, outcome.record);
  return true;
}

/** Whether a holder or waiter may still use its slot: its run active, and its task not ended. */
async function alive(deps: RuntimeDeps, id: string): Promise<boolean> {
  const holder = parseHolder(id);
  if (!holder) return false;
  const run = await deps.store.getRun(holder.runId);
  if (!run || !isActiveRun(run)) return false;
  if (holder.kind === 'run') return true;
  const task = await deps.store.getTask(holder.runId, holder.taskId);
  return !task || !hasEnded(task.status);
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
