import { lamportAfter } from '../engine/claim.ts';
import { inputTooLarge } from '../engine/limits.ts';
import { decideRedrive } from '../engine/redrive.ts';
import { canonicalJson, sha256 } from './canonical-json.ts';
import { fault, isoNow, type RuntimeDeps } from './deps.ts';
import { planFor } from './plans.ts';
import { recoverRun } from './recover.ts';
import { driveRollback, stopRun } from './rollback.ts';
import type { Json, RedriveRequest, RunControlAnswer } from './types.ts';

/**
 * Redrives a paused run: the tasks that failed run again (and, with `from`, that task and everything after
 * it), every other checkpoint is kept, and `input` replaces the run's input if given. A map that failed
 * runs again only its items that did not succeed (src/engine/map-redrive.ts); one at or after `from`
 * runs every item again. One conditional write
 * on the run records the redrive (its number, who asked, what it resets, how the input changed); the resets
 * and releases follow from that record, here or in the recovery pass if this process dies first.
 */
export async function redriveRun(
  deps: RuntimeDeps,
  runId: string,
  request: RedriveRequest,
): Promise<RunControlAnswer> {
  const state = await deps.store.loadRun(runId);
  if (!state) return { kind: 'notFound' };
  const plan = await planFor(deps, state.run.workflow, state.run.planVersion);
  const decision = decideRedrive(plan, state.run, state.tasks, request.from);
  if (decision.kind === 'refused') return { kind: 'refused', code: decision.code, message: decision.message };
  const input = request.input === undefined ? undefined : canonicalJson(request.input);
  const tooLarge = input === undefined ? undefined : inputTooLarge(input);
  if (tooLarge !== undefined) return { kind: 'refused', code: 'input.tooLarge', message: tooLarge };
  const inputHash = input === undefined ? undefined : sha256(input);
  const changed = input !== undefined && inputHash !== state.run.inputHash;
  const redrive = (state.run.redrives ?? 0) + 1;
  const lamport = lamportAfter(state.run, state.tasks.values());
  const detail: Record<string, Json> = {
    redrive,
    by: request.by ?? 'unknown',
    reset: [...decision.reset],
    input: changed ? 'replaced' : 'unchanged',
    ...(request.from === undefined ? {} : { from: request.from }),
    ...(changed ? { changedKeys: changedKeys(state.run.input, input ?? 'null') } : {}),
  };
  const outcome = await deps.store.redriveRun({
    runId,
    redrive,
    reset: decision.reset,
    rerunMaps: decision.rerunMaps,
    dropSinks: decision.dropSinks,
    ...(changed && input !== undefined && inputHash !== undefined ? { input, inputHash } : {}),
    lamport,
    event: { type: 'run.redriven', lamport, at: isoNow(deps), detail },
  });
  if (!outcome.ok) {
    return {
      kind: 'refused',
      code: 'run.notPaused',
      message: `run ${runId} is no longer paused (another redrive or a rollback came first)`,
    };
  }
  deps.logger.info('run redriven', { runId, ...detail });
  fault(deps, 'afterRedrive', { runId });
  // the resets and releases, then the dispatches of what they made claimable
  await recoverRun(deps, runId, { redispatched: 0, expiredLeases: 0, finalised: 0 });
  return { kind: 'done' };
}

/**
 * Rolls back a paused run: it stops (the error that paused it is its error) and the Saga compensates what
 * succeeded. A run already rolling back is driven on; any other is refused (a running run is cancelled).
 */
export async function rollbackRun(deps: RuntimeDeps, runId: string): Promise<RunControlAnswer> {
  const run = await deps.store.getRun(runId);
  if (!run) return { kind: 'notFound' };
  if (run.status === 'compensating') {
    await driveRollback(deps, runId);
    return { kind: 'done' };
  }
  if (run.status !== 'paused') {
    return {
      kind: 'refused',
      code: 'run.notPaused',
      message: `run ${runId} is ${run.status}, not paused: a rollback applies to a paused run (cancel a running one)`,
    };
  }
  const error = run.error ?? { name: 'RunRolledBack', message: 'the paused run was rolled back on request' };
  await stopRun(deps, runId, 'failed', error, run.lamport + 1);
  return { kind: 'done' };
}

/** The top-level keys whose values differ between two inputs (the whole input when either is no object). */
function changedKeys(before: string, after: string): string[] {
  const a = JSON.parse(before) as Json;
  const b = JSON.parse(after) as Json;
  const isObject = (v: Json): v is { [key: string]: Json } =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(a) || !isObject(b)) return ['$'];
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys]
    .filter(
      (key) => canonicalJson(a[key] ?? null) !== canonicalJson(b[key] ?? null) || !(key in a) || !(key in b),
    )
    .sort();
}
