import type { Plan, PlannedTask } from '../workflow/plan.ts';
import { itemId, itemRecords, repairMap, unreleased } from './map.ts';
import {
  type DispatchCandidate,
  type DispatchCommand,
  dispatchSince,
  selectDispatches,
} from './redispatch.ts';
import type { MapState, RunRecord, TaskRecord } from './types.ts';

/** One repair the recovery pass makes for a run, rebuilt from DynamoDB alone. */
export type RecoveryCommand =
  /** (Re)send the dispatch of a claimable task or compensation; `dueAt` delays it. */
  | DispatchCommand
  /** Take a lost attempt (dead owner or expired lease) back to `ready`, fenced on its owner and attempt. */
  | {
      readonly kind: 'release';
      readonly taskId: string;
      readonly compensation: boolean;
      readonly owner: string;
      readonly attempt: number;
      readonly reason: 'ownerDead' | 'leaseExpired';
    }
  /**
   * A waiting map whose counts were lost (a lane's end, a failed item) or whose counts decide it without
   * its end being recorded: count them, then settle the map.
   */
  | {
      readonly kind: 'map';
      readonly taskId: string;
      readonly lanes: readonly number[];
      readonly failed: readonly number[];
    }
  /** A task failed for good in a running run that did not stop (its process died between the two). */
  | { readonly kind: 'failure'; readonly taskId: string }
  /** A task waits for a child run: look at the child, which may have ended without answering (it died). */
  | { readonly kind: 'child'; readonly taskId: string; readonly childRunId: string }
  /** Copy a succeeded task's output (or a skipped one's mark) onto a dependent that has not counted it. */
  | { readonly kind: 'edge'; readonly from: string; readonly to: string }
  /** Count a succeeded (or skipped) sink on the run. */
  | { readonly kind: 'sink'; readonly taskId: string }
  /** Every sink is counted but the run is not marked succeeded. */
  | { readonly kind: 'finalise' }
  /** The run outlived its workflow timeout. */
  | { readonly kind: 'timeout' }
  /** The run is rolling back: drive the Saga one step. */
  | { readonly kind: 'rollback' }
  /** The run is paused: finish its holds and flags (the pausing process may have died midway). */
  | { readonly kind: 'pause' }
  /** A redriven run: reset a task the redrive runs again (once per redrive). */
  | { readonly kind: 'reset'; readonly taskId: string }
  /** A redriven run: release a task its pause held; a root the hold created becomes `ready`. */
  | { readonly kind: 'unhold'; readonly taskId: string; readonly ready: boolean };

export interface RecoveryInput {
  readonly plan: Plan;
  readonly run: RunRecord;
  readonly tasks: ReadonlyMap<string, TaskRecord>;
  readonly now: number;
  /** Owners known to be dead (a local process that exited); others are judged by their lease. */
  readonly deadOwners: ReadonlySet<string>;
  /** A recorded dispatch younger than this (ms) may still be in the queue: it is not sent again. */
  readonly graceMs: number;
  /** Dispatches sent again for this run at most, the longest-waiting first. Default: no bound. */
  readonly maxDispatches?: number;
}

/**
 * A recorded dispatch time this pass can vouch for: one further ahead than the grace and past its due time
 * (none, or earlier) was written by a clock running ahead (a skewed reaper's release); waiting for it would
 * leave a lost message unsent until that clock's time, so it counts as unrecorded and is sent now.
 */
function vouchedSince(
  since: number,
  dueAt: number | undefined,
  bounds: Pick<RecoveryInput, 'now' | 'graceMs'>,
): number | undefined {
  const ahead = since > bounds.now + bounds.graceMs && (dueAt === undefined || since > dueAt);
  return ahead ? undefined : since;
}

/**
 * What the recovery pass must do for one active run, from its records alone: resend every dispatch that
 * may have been lost (one whose recorded send is older than `graceMs`, or that has none recorded, at most
 * `maxDispatches`), take over lost attempts, redo edges whose write may have been lost, and finish what
 * was finished but not recorded.
 *
 * @example
 * for (const command of decideRecovery({ plan, run, tasks, now, deadOwners, graceMs })) await apply(command);
 */
export function decideRecovery(input: RecoveryInput): RecoveryCommand[] {
  const { plan, run, tasks } = input;
  const commands: RecoveryCommand[] = [];
  const dispatches: DispatchCandidate[] = [];
  const dispatch = (taskId: string, compensation: boolean, since: number | undefined, dueAt?: number) => {
    const command = { kind: 'dispatch', taskId, compensation, ...due(dueAt) } as const;
    const vouched = since === undefined ? undefined : vouchedSince(since, dueAt, input);
    dispatches.push(vouched === undefined ? { command } : { command, since: vouched });
  };
  const stopping = run.status === 'compensating';
  if (run.status === 'paused') return [...pausedReleases(input), { kind: 'pause' }];
  if (run.status !== 'running' && !stopping) return commands;
  // a redrive first resets and releases its tasks; what they make claimable is the next pass's
  const redrive = stopping ? [] : redriveCommands(plan, run, tasks);
  if (redrive.length > 0) return redrive;
  for (const taskId of plan.order) {
    const planned = plan.tasks[taskId];
    if (!planned) continue;
    const record = tasks.get(taskId);
    attemptRepairs(input, taskId, record, commands, dispatch);
    if (planned.map && record?.map) {
      mapRepairs(input, planned, { ...record, map: record.map }, commands, dispatch);
      // a redriven map keeps its items' records until it starts again: until then it is any task
      if (record.status !== 'pending' && record.status !== 'ready') continue;
    }
    if (stopping) continue;
    const depsComplete = (record?.depsDone.length ?? 0) >= planned.deps.length;
    if (!record && planned.deps.length === 0) {
      dispatch(taskId, false, run.dispatchedAt);
    } else if (record?.status === 'pending' && depsComplete) {
      dispatch(taskId, false, record.dispatchedAt);
    } else if (record?.status === 'ready' || (record?.status === 'waiting' && record.dueAt !== undefined)) {
      // a retry, a sleep, a released attempt; or a wait's lapse: its message may have been lost
      dispatch(taskId, false, dispatchSince(record.dispatchedAt, record.dueAt), record.dueAt);
    } else if (record?.status === 'failed') {
      commands.push({ kind: 'failure', taskId });
    } else if (record?.status === 'waiting' && planned.child && record.callback) {
      commands.push({ kind: 'child', taskId, childRunId: record.callback.token });
    } else if (record?.status === 'succeeded' || record?.status === 'skipped') {
      // in a running run a skip is a condition's (the rollback's skips happen in stopping runs only); an
      // edge not counted yet may be on its way (carried by a dispatch in the queue, or held back by the
      // worker that continues the join) until the task ended longer ago than the grace, or before the run's
      // last redrive (its worker then found the run paused and left its edges to this pass)
      const settled = edgesSettled(record, input);
      for (const dependent of planned.dependents) {
        if (settled && !tasks.get(dependent)?.depsDone.includes(taskId)) {
          commands.push({ kind: 'edge', from: taskId, to: dependent });
        }
      }
      if (planned.dependents.length === 0 && !run.sinksDone.includes(taskId)) {
        commands.push({ kind: 'sink', taskId });
      }
    }
  }
  const bounds = {
    now: input.now,
    graceMs: input.graceMs,
    ...(input.maxDispatches === undefined ? {} : { maxDispatches: input.maxDispatches }),
  };
  const selected = selectDispatches(dispatches, bounds);
  // a redone edge sends its dependent's dispatch anew: it counts against the same bound, after the resends
  const room = Math.max(0, (input.maxDispatches ?? Number.POSITIVE_INFINITY) - selected.length);
  const edgeIndexes = commands.flatMap((command, i) => (command.kind === 'edge' ? [i] : []));
  const dropped = new Set(edgeIndexes.slice(room));
  const bounded = commands.filter((_, i) => !dropped.has(i));
  commands.splice(0, commands.length, ...bounded, ...selected);
  if (stopping) {
    commands.push({ kind: 'rollback' });
    return commands;
  }
  if (plan.timeoutMs !== undefined && input.now - run.createdAt > plan.timeoutMs) {
    return [{ kind: 'timeout' }];
  }
  const sinksCounted = plan.sinks.every(
    (sink) => run.sinksDone.includes(sink) || commands.some((c) => c.kind === 'sink' && c.taskId === sink),
  );
  if (sinksCounted) commands.push({ kind: 'finalise' });
  return commands;
}

type Dispatch = (taskId: string, compensation: boolean, since: number | undefined, dueAt?: number) => void;

/** A lost attempt of the task (or of its compensation) is released; a lost compensation dispatch resent. */
function attemptRepairs(
  input: RecoveryInput,
  taskId: string,
  record: TaskRecord | undefined,
  commands: RecoveryCommand[],
  dispatch: Dispatch,
): void {
  const lost = lostAttempt(input, record);
  if (lost) commands.push({ kind: 'release', taskId, compensation: false, ...lost });
  const comp = record?.compensation;
  if (!comp) return;
  const compLost =
    comp.status === 'running' && comp.owner !== undefined
      ? lostOwner(input, comp.owner, comp.leaseUntil)
      : undefined;
  if (compLost && comp.owner !== undefined) {
    commands.push({
      kind: 'release',
      taskId,
      compensation: true,
      owner: comp.owner,
      attempt: comp.attempt,
      reason: compLost,
    });
  } else if (comp.status === 'ready') {
    dispatch(taskId, true, dispatchSince(comp.dispatchedAt, comp.dueAt), comp.dueAt);
  }
}

/**
 * A map's items as any task (lost attempts, lost retries, lost compensations); in a running run, a waiting
 * map's lost releases and counts; a map that ended (succeeded) advances like any succeeded task.
 */
function mapRepairs(
  input: RecoveryInput,
  planned: PlannedTask,
  record: TaskRecord & { readonly map: MapState },
  commands: RecoveryCommand[],
  dispatch: Dispatch,
): void {
  const { tasks, run } = input;
  const running = run.status === 'running';
  const waiting = running && record.status === 'waiting';
  itemRecords(planned.id, record.map.count, tasks).forEach((item) => {
    if (!item) return;
    attemptRepairs(input, item.taskId, item, commands, dispatch);
    // a retry, a released attempt (an item a redrive reset and no lane released yet is repairMap's)
    if (waiting && item.status === 'ready' && !unreleased(item)) {
      dispatch(item.taskId, false, dispatchSince(item.dispatchedAt, item.dueAt), item.dueAt);
    }
  });
  if (!running) return;
  if (record.status === 'failed') {
    commands.push({ kind: 'failure', taskId: planned.id });
    return;
  }
  if (record.status === 'succeeded') {
    for (const dependent of planned.dependents) {
      if (!tasks.get(dependent)?.depsDone.includes(planned.id)) {
        commands.push({ kind: 'edge', from: planned.id, to: dependent });
      }
    }
    if (planned.dependents.length === 0 && !run.sinksDone.includes(planned.id)) {
      commands.push({ kind: 'sink', taskId: planned.id });
    }
    return;
  }
  if (record.status !== 'waiting' || !planned.map) return;
  const repair = repairMap(planned.map, planned.id, record, tasks);
  if (!repair) return;
  for (const { index, since } of repair.release) dispatch(itemId(planned.id, index), false, since);
  if (repair.lanes.length > 0 || repair.failed.length > 0 || repair.settle) {
    commands.push({ kind: 'map', taskId: planned.id, lanes: repair.lanes, failed: repair.failed });
  }
}

/**
 * A paused run's lost attempts (a map's items included): released, not sent again (the pause then holds
 * what it can), so that a redrive is not refused forever for a task that a dead process left running.
 */
function pausedReleases(input: RecoveryInput): RecoveryCommand[] {
  const commands: RecoveryCommand[] = [];
  for (const [taskId, record] of input.tasks) {
    const lost = lostAttempt(input, record);
    if (lost) commands.push({ kind: 'release', taskId, compensation: false, ...lost });
  }
  return commands;
}

/** The resets and releases a redriven run still needs, from its record and its tasks'. */
function redriveCommands(
  plan: Plan,
  run: RunRecord,
  tasks: ReadonlyMap<string, TaskRecord>,
): RecoveryCommand[] {
  const commands: RecoveryCommand[] = [];
  const redrives = run.redrives ?? 0;
  const reset = new Set(run.reset ?? []);
  const rerun = new Set(run.rerunMaps ?? []);
  for (const taskId of plan.order) {
    const record = tasks.get(taskId);
    if (reset.has(taskId) && (record?.redriven ?? 0) < redrives) {
      // a map that runs every item again: its items' records first, the map's (which frees it) last
      if (rerun.has(taskId) && record?.map) {
        for (const item of itemRecords(taskId, record.map.count, tasks)) {
          if (item && (item.redriven ?? 0) < redrives) commands.push({ kind: 'reset', taskId: item.taskId });
        }
      }
      commands.push({ kind: 'reset', taskId });
    } else if (record?.held) {
      const root = (plan.tasks[taskId]?.deps.length ?? 0) === 0;
      commands.push({ kind: 'unhold', taskId, ready: root && record.status === 'pending' });
    }
  }
  return commands;
}

/**
 * Whether the edges of an ended task can no longer be on their way: its end (its last history entry) is
 * older than the grace or than the run's last redrive. An end with no readable time, or one a clock
 * running ahead wrote, counts as old.
 */
function edgesSettled(record: TaskRecord, input: RecoveryInput): boolean {
  const ended = timeOf(record.events.at(-1)?.at);
  if (ended === undefined) return true;
  const redriven = input.run.events.findLast((event) => event.type === 'run.redriven');
  const redrivenAt = timeOf(redriven?.at);
  if (redrivenAt !== undefined && ended < redrivenAt) return true;
  const since = vouchedSince(ended, undefined, input);
  return since === undefined || input.now - since >= input.graceMs;
}

function timeOf(at: string | undefined): number | undefined {
  const time = at === undefined ? Number.NaN : Date.parse(at);
  return Number.isFinite(time) ? time : undefined;
}

function due(dueAt: number | undefined): { dueAt?: number } {
  return dueAt === undefined ? {} : { dueAt };
}

function lostAttempt(
  input: RecoveryInput,
  record: TaskRecord | undefined,
): { owner: string; attempt: number; reason: 'ownerDead' | 'leaseExpired' } | undefined {
  if (record?.status !== 'running' || record.owner === undefined) return undefined;
  const reason = lostOwner(input, record.owner, record.leaseUntil);
  return reason ? { owner: record.owner, attempt: record.attempt, reason } : undefined;
}

function lostOwner(
  input: RecoveryInput,
  owner: string,
  leaseUntil: number | undefined,
): 'ownerDead' | 'leaseExpired' | undefined {
  if (input.deadOwners.has(owner)) return 'ownerDead';
  if (leaseUntil !== undefined && leaseUntil < input.now) return 'leaseExpired';
  return undefined;
}
