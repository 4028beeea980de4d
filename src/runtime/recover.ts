import { lamportAfter } from '../engine/claim.ts';
import { edgeOutput } from '../engine/gate.ts';
import { MAX_TAKEOVERS } from '../engine/limits.ts';
import { decideRecovery, type RecoveryCommand } from '../engine/recovery.ts';
import type { DispatchCommand } from '../engine/redispatch.ts';
import { resetShape } from '../engine/redrive.ts';
import type { TaskMessage, TaskRecord } from '../engine/types.ts';
import type { RunState } from '../store/run-store.ts';
import type { Plan } from '../workflow/plan.ts';
import { advance, countSink, finishRun } from './advance.ts';
import { toErrorView } from './attempt.ts';
import { answerParent } from './child-run.ts';
import { workflowTimeout } from './deadline.ts';
import { expiresAt, isoNow, type RuntimeDeps } from './deps.ts';
import { dispatchEntry, ownDispatch, sendDispatches, sendMessages } from './dispatch.ts';
import { TaskLostError } from './errors.ts';
import { countItem, itemFailed, mapContext, resolveTask, settleMap } from './map-run.ts';
import { drivePause, stopOnFailure } from './pause.ts';
import { planFor } from './plans.ts';
import { driveRollback, stopRun } from './rollback.ts';
import { contextOf, taskMessage } from './run-context.ts';
import type { RecoverOptions, RecoveryReport } from './types.ts';

export interface Tally {
  redispatched: number;
  expiredLeases: number;
  finalised: number;
}

/**
 * The recovery pass (the reaper): for the next `maxRuns` active runs (after `options.after`, the previous
 * pass's `next`), rebuilds from DynamoDB alone whatever SQS or a dead process lost: dispatches of claimable
 * tasks and compensations whose recorded send is older than the grace, lost attempts, edges, the run's end.
 */
export async function recover(deps: RuntimeDeps, options: RecoverOptions = {}): Promise<RecoveryReport> {
  const { maxRuns } = deps.recovery;
  const page = await deps.store.activeRuns({
    limit: maxRuns,
    ...(options.after === undefined ? {} : { after: options.after }),
  });
  const tally: Tally = { redispatched: 0, expiredLeases: 0, finalised: 0 };
  // a queue that started empty holds none of the dispatches recorded before: none is worth waiting for
  const graceMs = options.queueStartedEmpty ? 0 : deps.recovery.graceMs;
  for (const runId of page.runIds) {
    try {
      await recoverRun(deps, runId, tally, graceMs);
    } catch (error) {
      deps.logger.error('recovery of a run failed; the next pass retries it', {
        runId,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return { runs: page.runIds.length, ...tally, ...(page.next === undefined ? {} : { next: page.next }) };
}

/** The recovery of one run: its decision applied, and decided again after a redrive's resets. */
export async function recoverRun(
  deps: RuntimeDeps,
  runId: string,
  tally: Tally,
  graceMs: number = deps.recovery.graceMs,
): Promise<void> {
  // a redrive's resets and releases change what is claimable: decide again over the records they wrote
  for (let pass = 0; pass < 2; pass += 1) {
    const state = await deps.store.loadRun(runId);
    if (!state) return;
    const plan = await planFor(deps, state.run.workflow, state.run.planVersion);
    const commands = decideRecovery({
      plan,
      run: state.run,
      tasks: state.tasks,
      now: deps.now(),
      deadOwners: await deadOwners(deps, state),
      graceMs,
      maxDispatches: deps.recovery.maxDispatchesPerRun,
    });
    const lamport = lamportAfter(state.run, state.tasks.values());
    // the run's re-sends go out together, in batches, not one request per task
    const resends = commands.filter((command): command is DispatchCommand => command.kind === 'dispatch');
    await sendMessages(
      deps,
      resends.map((command) => dispatchEntry(deps, resent(deps, state, command, lamport), command.dueAt)),
    );
    tally.redispatched += resends.length;
    for (const command of commands) {
      if (command.kind !== 'dispatch') await apply(deps, plan, state, command, lamport, tally);
    }
    if (!commands.some((command) => command.kind === 'reset' || command.kind === 'unhold')) return;
  }
}

async function deadOwners(deps: RuntimeDeps, state: RunState): Promise<Set<string>> {
  const dead = new Set<string>();
  const check = deps.isOwnerAlive;
  if (!check) return dead;
  const owners = new Set<string>();
  for (const task of state.tasks.values()) {
    if (task.status === 'running' && task.owner) owners.add(task.owner);
    if (task.compensation?.status === 'running' && task.compensation.owner)
      owners.add(task.compensation.owner);
  }
  for (const owner of owners) {
    if (owner !== deps.owner && !(await check(owner))) dead.add(owner);
  }
  return dead;
}

async function apply(
  deps: RuntimeDeps,
  plan: Plan,
  state: RunState,
  command: Exclude<RecoveryCommand, DispatchCommand>,
  lamport: number,
  tally: Tally,
): Promise<void> {
  const runId = state.run.runId;
  switch (command.kind) {
    case 'release': {
      tally.expiredLeases += 1;
      const record = state.tasks.get(command.taskId);
      const event = {
        type: command.compensation ? 'compensation.takenOver' : 'task.takenOver',
        lamport,
        at: isoNow(deps),
        attempt: command.attempt,
        detail: { reason: command.reason, owner: command.owner },
      };
      const key = {
        runId,
        taskId: command.taskId,
        owner: command.owner,
        attempt: command.attempt,
      };
      if (command.compensation) {
        const stamp = ownDispatch(deps, plan, command.taskId, 'compensate');
        const released = await deps.store.releaseCompensation({ ...key, ...stamp, lamport, event });
        if (released.ok) await redispatch(deps, state, command.taskId, 'compensate', lamport, tally);
        return;
      }
      if (record && record.takeovers + 1 > MAX_TAKEOVERS) {
        await giveUp(deps, plan, runId, record, key, lamport);
        return;
      }
      const stamp = ownDispatch(deps, plan, command.taskId, 'task');
      const released = await deps.store.releaseTask({ ...key, ...stamp, lamport, event });
      if (released.ok && state.run.status === 'running') {
        await redispatch(deps, state, command.taskId, 'task', lamport, tally);
      }
      return;
    }
    case 'edge': {
      const from = state.tasks.get(command.from);
      const output = from && edgeOutput(from);
      if (from === undefined || output === undefined) return;
      await advance(deps, plan, contextOf(state.run), command.from, output, from.lamport, {
        only: [command.to],
      });
      // the dependent's dispatch, rebuilt with its edge
      tally.redispatched += 1;
      return;
    }
    case 'sink': {
      const from = state.tasks.get(command.taskId);
      if (from === undefined || edgeOutput(from) === undefined) return;
      if (await countSink(deps, plan, runId, command.taskId, from.lamport)) tally.finalised += 1;
      return;
    }
    case 'failure': {
      // the failure's own stop (or pause) was lost with its process: made from its record
      const record = state.tasks.get(command.taskId);
      const error = record?.error ?? { name: 'TaskFailed', message: `task '${command.taskId}' failed` };
      await stopOnFailure(deps, plan, runId, { ...error, taskId: command.taskId }, lamport);
      return;
    }
    case 'map': {
      const planned = plan.tasks[command.taskId];
      const context = planned && (await mapContext(deps, runId, planned));
      if (!context) return;
      const scope = { run: contextOf(state.run), plan };
      for (const lane of command.lanes) await countItem(deps, scope, context, { lane });
      for (const failed of command.failed) await countItem(deps, scope, context, { failed });
      // the counts settle the map when they decide it; with none to make, its settlement was lost
      const record = await deps.store.getTask(runId, command.taskId);
      if (record) await settleMap(deps, scope, context.mapTask, record);
      return;
    }
    case 'child': {
      // the child's end answers its parent; a child that died between the two is answered from here
      const child = await deps.store.getRun(command.childRunId);
      if (child) await answerParent(deps, child);
      return;
    }
    case 'finalise':
      if (await finishRun(deps, plan, runId, lamport)) tally.finalised += 1;
      return;
    case 'timeout':
      // the backstop of the run's deadline message (lost, or never sent after a crash at submit)
      await stopRun(deps, runId, 'failed', workflowTimeout(plan), lamport);
      return;
    case 'rollback':
      await driveRollback(deps, runId);
      return;
    case 'pause':
      await drivePause(deps, runId);
      return;
    case 'reset': {
      const shape = resetShape(plan, command.taskId, state.run.reset ?? []);
      await deps.store.resetTask({
        runId,
        taskId: command.taskId,
        redrive: state.run.redrives ?? 0,
        ...shape,
        lamport,
        event: {
          type: 'task.reset',
          lamport,
          at: isoNow(deps),
          detail: { redrive: state.run.redrives ?? 0 },
        },
      });
      return;
    }
    case 'unhold':
      await deps.store.releaseHold({
        runId,
        taskId: command.taskId,
        redrive: state.run.redrives ?? 0,
        ...(command.ready ? { status: 'ready' } : {}),
      });
      return;
  }
}

/** The message of a dispatch the pass sends again, rebuilt from the store. */
function resent(deps: RuntimeDeps, state: RunState, command: DispatchCommand, lamport: number): TaskMessage {
  const now = deps.now();
  if (!command.compensation) return taskMessage(contextOf(state.run), command.taskId, lamport, now);
  return { runId: state.run.runId, taskId: command.taskId, kind: 'compensate', lamport, readyAt: now };
}

/** Sends a released task's or compensation's dispatch again, at once. */
async function redispatch(
  deps: RuntimeDeps,
  state: RunState,
  taskId: string,
  kind: 'task' | 'compensate',
  lamport: number,
  tally: Tally,
): Promise<void> {
  const command = { kind: 'dispatch', taskId, compensation: kind === 'compensate' } as const;
  await sendDispatches(deps, [resent(deps, state, command, lamport)]);
  tally.redispatched += 1;
}

async function giveUp(
  deps: RuntimeDeps,
  plan: Plan,
  runId: string,
  record: TaskRecord,
  key: { runId: string; taskId: string; owner: string; attempt: number },
  lamport: number,
): Promise<void> {
  const error = toErrorView(new TaskLostError(record.taskId, record.takeovers + 1));
  const ended = await deps.store.endTask({
    ...key,
    status: 'failed',
    error,
    failures: record.failures + 1,
    lamport,
    expiresAt: expiresAt(deps),
    event: {
      type: 'task.failed',
      lamport,
      at: isoNow(deps),
      attempt: record.attempt,
      detail: { ...error },
    },
  });
  if (!ended.ok) return;
  // an item's failure is its map's to count
  const item = resolveTask(plan, record.taskId)?.item;
  const context = item && (await mapContext(deps, runId, item.map));
  if (item && context) {
    const run = await deps.store.getRun(runId);
    if (run) await itemFailed(deps, { run: contextOf(run), plan }, { context, index: item.index }, lamport);
    return;
  }
  if (!item) await stopOnFailure(deps, plan, runId, { ...error, taskId: record.taskId }, lamport + 1);
}
