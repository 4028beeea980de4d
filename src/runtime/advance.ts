import { leaseMs, utf8Bytes } from '../engine/limits.ts';
import type { EdgeCopy } from '../engine/operations.ts';
import type { RunContext, RunRecord, TaskMessage, TaskRecord } from '../engine/types.ts';
import type { Plan, PlannedTask } from '../workflow/plan.ts';
import { answerParent } from './child-run.ts';
import { claimedEvent, taskClaim } from './claim-attempt.ts';
import { expiresAt, fault, isoNow, type RuntimeDeps } from './deps.ts';
import { ownDispatch, sendDispatches } from './dispatch.ts';
import { driveRollback } from './rollback.ts';
import { MESSAGE_EDGE_BYTES, taskMessage } from './run-context.ts';
import { releaseRunSlot } from './slots.ts';

/** Whether, and how many, dependents a checkpoint may continue in this worker. */
export interface Continuation {
  /** Dependents one checkpoint continues here at most. */
  readonly slots: number;
  /** Whether a continued attempt of this task would end before the worker must stop. */
  fits(task: PlannedTask): boolean;
  /**
   * The edges this worker has counted in this handling, by dependent and dependency, with their Lamport
   * times: a join whose other edges are all here is claimed by its last edge.
   */
  readonly counted: Map<string, Map<string, number>>;
  /**
   * Edges this worker holds back, by dependent and dependency: written with the join's claim by its last
   * edge, or with any other edge into that join, or at the end of the handling ({@link writeHeldEdges}).
   */
  readonly held: Map<string, Map<string, EdgeCopy>>;
}

/** One target of a checkpoint: a dependent, whether its edge completes it here, and whether it runs here. */
interface Target {
  readonly to: string;
  readonly dependent: PlannedTask;
  readonly here: boolean;
}

/**
 * After a checkpoint: one conditional write per outgoing edge copies the output onto the dependent and
 * counts it; the write that completes a dependent's set makes it ready. A ready dependent is claimed for
 * this worker while `continuation` has slots and time, by the edge write itself (`claimByEdge`) when this
 * worker knows it is the last one (a one-dependency task, or a join whose other edges it counted or holds),
 * else by a claim after the edge that completed the set, and returned, to be run here; the others are sent
 * to the queue in one batch. The edge into a join whose other dependencies this very checkpoint continues
 * here is held back, to be carried by the join's claim (one write fewer per such join; if this worker dies
 * first, the recovery pass redoes the edge of a succeeded task that its dependent has not counted). A sink
 * is counted on the run, and the count that completes the sinks finishes the run. Replays (redelivery,
 * recovery) count nothing twice.
 */
export async function advance(
  deps: RuntimeDeps,
  plan: Plan,
  run: RunContext,
  taskId: string,
  output: string,
  lamport: number,
  options: { readonly only?: readonly string[]; readonly continuation?: Continuation } = {},
): Promise<TaskRecord[]> {
  const planned = plan.tasks[taskId];
  if (!planned) return [];
  if (planned.dependents.length === 0) {
    await countSink(deps, plan, run.runId, taskId, lamport);
    return [];
  }
  const runId = run.runId;
  const continuation = options.continuation;
  const edges = { ready: [] as TaskMessage[], continued: [] as TaskRecord[] };
  const slots = { left: continuation?.slots ?? 0 };
  const takeSlot = (dependent: PlannedTask) => takesSlot(deps, plan, continuation, slots, dependent);
  const known = (to: string, dep: string) =>
    continuation?.counted.get(to)?.has(dep) === true || continuation?.held.get(to)?.has(dep) === true;
  // decided before any write, so that a join can wait for the claims of its other dependencies
  const targets: Target[] = [];
  for (const to of options.only ?? planned.dependents) {
    const dependent = plan.tasks[to];
    if (!dependent) continue;
    const last = dependent.deps.every((dep) => dep === taskId || known(to, dep));
    targets.push({ to, dependent, here: last && takeSlot(dependent) });
  }
  const own: EdgeCopy = { from: taskId, output, lamport };
  const claims = new Map<string, Promise<TaskRecord | undefined>>();
  for (const target of targets) {
    if (target.here) claims.set(target.to, claimByEdge(deps, runId, target, own, continuation));
  }
  await Promise.all(
    targets.map(async (target) => {
      const { to, dependent } = target;
      const claimed = await claims.get(to);
      if (claimed) {
        edges.continued.push(claimed);
        return;
      }
      // a join whose other dependencies are being claimed here: its edge waits for the last one's claim
      const others = dependent.deps.filter((dep) => dep !== taskId && !known(to, dep));
      if (continuation && others.length > 0 && others.every((dep) => claims.has(dep))) {
        const got = await Promise.all(others.map((dep) => claims.get(dep)));
        if (got.every((record) => record !== undefined)) {
          const held = continuation.held.get(to) ?? new Map<string, EdgeCopy>();
          continuation.held.set(to, held.set(taskId, own));
          fault(deps, 'afterEdgeHeld', { runId, taskId: to });
          return;
        }
      }
      // a one-dependency task sent through the queue: its dispatch carries the edge, its claim copies it
      if (continuation && !target.here && carriesEdge(deps, plan, dependent, own)) {
        edges.ready.push({ ...taskMessage(run, to, lamport, deps.now()), edge: own });
        return;
      }
      // a plain edge: not the last one, or its claim refused (a rollback's skip, a replayed edge got there
      // first), which the plain edges sort out; the slot an edge claim took and did not use is this claim's
      const mayRunHere = () => target.here || takeSlot(dependent);
      await writeEdges(deps, plan, run, { to, dependent, mayRunHere }, own, { continuation, into: edges });
    }),
  );
  if (edges.ready.length > 0) {
    fault(deps, 'beforeDispatch', { runId, taskId });
    await sendDispatches(deps, edges.ready);
  }
  return edges.continued;
}

/**
 * Writes the edges this worker still holds back, when its handling of a message ends (the join they
 * waited for was not claimed here: a dependency failed, was retried through the queue, or was taken over),
 * and dispatches what they make ready.
 */
export async function writeHeldEdges(
  deps: RuntimeDeps,
  plan: Plan,
  run: RunContext,
  continuation: Continuation,
): Promise<void> {
  const into = { ready: [] as TaskMessage[], continued: [] as TaskRecord[] };
  const held = [...continuation.held.keys()];
  await Promise.all(
    held.map(async (to) => {
      const dependent = plan.tasks[to];
      if (!dependent) return;
      const target = { to, dependent, mayRunHere: () => false };
      await writeEdges(deps, plan, run, target, undefined, { continuation, into });
    }),
  );
  continuation.held.clear();
  if (into.ready.length > 0) await sendDispatches(deps, into.ready);
}

/**
 * Whether the edge into `dependent` may travel in its dispatch instead of being written: a one-dependency
 * task (nothing to count), dispatched to this process's own queue (the recovery pass of another process
 * sends a written edge's dispatch at once), taking no slot or lock before its claim, with an output small
 * enough for a message. If the message is lost, the recovery pass redoes the edge once the dependency's
 * checkpoint is older than the grace.
 */
function carriesEdge(deps: RuntimeDeps, plan: Plan, dependent: PlannedTask, edge: EdgeCopy): boolean {
  if (dependent.deps.length !== 1 || dependent.concurrency || dependent.locks) return false;
  if (ownDispatch(deps, plan, dependent.id, 'task').dispatchedAt === undefined) return false;
  return utf8Bytes(edge.output) <= MESSAGE_EDGE_BYTES;
}

/** Whether a dependent made ready here may run here: a slot left, time for it, nothing to take first. */
function takesSlot(
  deps: RuntimeDeps,
  plan: Plan,
  continuation: Continuation | undefined,
  slots: { left: number },
  dependent: PlannedTask,
): boolean {
  // taken only for a dependent known to be ready, before its write; never for one this process declines
  // (it is left, dispatched, to a process that has its handler)
  if (slots.left <= 0 || !continuation?.fits(dependent)) return false;
  // a task under a concurrency limit or with locks takes them through the queue, before its claim
  if (dependent.concurrency || dependent.locks) return false;
  if (deps.accepts && !deps.accepts(plan, dependent.id, 'task')) return false;
  slots.left -= 1;
  return true;
}

/** The last edge into a dependent (with the edges held back for it), claiming it for this worker. */
async function claimByEdge(
  deps: RuntimeDeps,
  runId: string,
  target: Target,
  edge: EdgeCopy,
  continuation: Continuation | undefined,
): Promise<TaskRecord | undefined> {
  const { to, dependent } = target;
  const carried = [...(continuation?.held.get(to)?.values() ?? [])];
  const counted = continuation?.counted.get(to)?.values() ?? [];
  const now = deps.now();
  // after every dependency's checkpoint, those counted or held before included
  const claimLamport = Math.max(edge.lamport, ...counted, ...carried.map((c) => c.lamport)) + 1;
  const claimed = await deps.store.claimByEdge({
    depCount: dependent.deps.length,
    runId,
    to,
    ...edge,
    ...(carried.length > 0 ? { carried } : {}),
    owner: deps.owner,
    now,
    leaseUntil: now + leaseMs(dependent),
    claimLamport,
    event: claimedEvent(deps, claimLamport),
  });
  if (!claimed.ok) return undefined;
  continuation?.held.delete(to);
  fault(deps, 'afterEdgeClaim', { runId, taskId: to });
  deps.metrics.schedulingLatency(0);
  return claimed.record;
}

/**
 * The plain edges into one dependent, side by side: this checkpoint's (if any) and those held back for
 * it. The write that completes the set makes the dependent ready: claimed here if `mayRunHere()` (asked
 * then, so that a slot is taken only for a ready dependent), else dispatched. A refused edge was counted
 * before (a replay): whoever completed the set dispatched it.
 */
async function writeEdges(
  deps: RuntimeDeps,
  plan: Plan,
  run: RunContext,
  target: { readonly to: string; readonly dependent: PlannedTask; readonly mayRunHere: () => boolean },
  edge: EdgeCopy | undefined,
  sink: {
    readonly continuation?: Continuation | undefined;
    readonly into: { readonly ready: TaskMessage[]; readonly continued: TaskRecord[] };
  },
): Promise<void> {
  const { to, dependent } = target;
  const held = sink.continuation?.held.get(to);
  sink.continuation?.held.delete(to);
  const all = [...(edge ? [edge] : []), ...(held?.values() ?? [])];
  await Promise.all(
    all.map(async (copy) => {
      const outcome = await deps.store.copyEdge({
        runId: run.runId,
        to,
        ...copy,
        ...ownDispatch(deps, plan, to, 'task'),
      });
      if (!outcome.ok) return;
      const counted = sink.continuation?.counted;
      if (counted)
        counted.set(to, (counted.get(to) ?? new Map<string, number>()).set(copy.from, copy.lamport));
      if (outcome.record.depsDone.length !== dependent.deps.length) return;
      const readyLamport = Math.max(copy.lamport, ...Object.values(outcome.record.depLamports));
      const message = taskMessage(run, to, readyLamport, deps.now());
      const claimed = target.mayRunHere() && (await claimHere(deps, dependent, message));
      if (claimed) sink.into.continued.push(claimed);
      else sink.into.ready.push(message);
    }),
  );
}

/** Claims a dependent its last edge made ready, for this worker; undefined if another got it first. */
async function claimHere(
  deps: RuntimeDeps,
  dependent: PlannedTask,
  message: TaskMessage,
): Promise<TaskRecord | undefined> {
  const outcome = await deps.store.claimTask(
    taskClaim(deps, message.runId, dependent, deps.now(), message.lamport + 1),
  );
  if (!outcome.ok) return undefined;
  deps.metrics.schedulingLatency(0);
  return outcome.record;
}

export async function countSink(
  deps: RuntimeDeps,
  plan: Plan,
  runId: string,
  taskId: string,
  lamport: number,
): Promise<boolean> {
  if (plan.sinks.length === 1) return countOnlySink(deps, plan, runId, taskId, lamport);
  const outcome = await deps.store.countSink({ runId, taskId, lamport });
  if (!outcome.ok) return false;
  const run = outcome.record;
  if (run.status === 'compensating') {
    await driveRollback(deps, runId);
    return false;
  }
  if (run.status === 'running' && run.sinksDone.length === plan.sinks.length) {
    return finishRun(
      deps,
      plan,
      runId,
      Math.max(lamport, run.lamport, ...Object.values(run.sinkLamports)) + 1,
    );
  }
  return false;
}

/** A plan with one sink finishes with that sink's count: one write per run saved. */
async function countOnlySink(
  deps: RuntimeDeps,
  plan: Plan,
  runId: string,
  taskId: string,
  lamport: number,
): Promise<boolean> {
  const finished = lamport + 1;
  const outcome = await deps.store.countLastSink({
    runId,
    taskId,
    sinkLamport: lamport,
    lamport: finished,
    now: deps.now(),
    expiresAt: expiresAt(deps),
    event: { type: 'run.succeeded', lamport: finished, at: isoNow(deps) },
  });
  if (outcome.ok) {
    await succeeded(deps, plan, outcome.record);
    return true;
  }
  const current = outcome.current;
  if (current?.status === 'compensating') await driveRollback(deps, runId);
  // refused for its time alone (the run's clock passed it: an early answer): counted, then finished above
  if (current?.status === 'running' && !current.sinksDone.includes(taskId)) {
    const counted = await deps.store.countSink({ runId, taskId, lamport });
    if (counted.ok) return finishRun(deps, plan, runId, Math.max(lamport, counted.record.lamport) + 1);
  }
  return false;
}

/** Marks the run succeeded, if every sink is counted and it is still running. */
export async function finishRun(
  deps: RuntimeDeps,
  plan: Plan,
  runId: string,
  lamport: number,
): Promise<boolean> {
  let at = lamport;
  for (let attempt = 0; attempt < FINISH_TRIES; attempt += 1) {
    const outcome = await deps.store.finishRun({
      runId,
      sinkCount: plan.sinks.length,
      lamport: at,
      now: deps.now(),
      expiresAt: expiresAt(deps),
      event: { type: 'run.succeeded', lamport: at, at: isoNow(deps) },
    });
    if (outcome.ok) {
      await succeeded(deps, plan, outcome.record);
      return true;
    }
    const current = outcome.current;
    // refused for its time alone: the run's clock moved past it (an early answer); again, above it
    const due = current?.status === 'running' && current.sinksDone.length === plan.sinks.length;
    if (!due || current.lamport < at) return false;
    at = current.lamport + 1;
  }
  return false;
}

/** Times a finish is sent again above a clock that moved meanwhile (one early answer can move it once). */
const FINISH_TRIES = 3;

/** What follows a run's success: its metric and log line, its parent's answer, its concurrency slot. */
async function succeeded(deps: RuntimeDeps, plan: Plan, run: RunRecord): Promise<void> {
  deps.metrics.runFinished('succeeded', deps.now() - run.createdAt);
  deps.logger.info('run succeeded', { runId: run.runId, workflow: plan.name });
  await answerParent(deps, run);
  await releaseRunSlot(deps, run);
}
