import { decideEarlyAnswer } from '../engine/answer.ts';
import { lamportAfter } from '../engine/claim.ts';
import { parseItemId } from '../engine/map.ts';
import type { QueueMessage } from '../engine/types.ts';
import type { Plan } from '../workflow/plan.ts';
import { awaitRun } from './await-run.ts';
import { isoNow, type RuntimeDeps } from './deps.ts';
import { runIdOf } from './run-ids.ts';
import { isSettled } from './run-result.ts';
import { submitRun } from './submit.ts';
import { SyncLane } from './sync-lane.ts';
import type { HandleOptions, RunAnswer, RunOptions, RunView, SubmitRequest } from './types.ts';

/** Handles one message with the given deps (the runtime's, or a lane's). */
export type HandleWith = (deps: RuntimeDeps, message: QueueMessage, options: HandleOptions) => Promise<void>;

const FIRST_POLL_MS = 50;
const MAX_POLL_MS = 1_000;

/**
 * Submits a run and answers once it is settled, within `options.waitMs`. For a `mode: sync` workflow this
 * process runs the run's critical path itself, through a lane of its own (src/runtime/sync-lane.ts): every
 * task becomes ready and is claimed, run and checkpointed exactly as through the queue, only without the
 * hop; a failure's Saga runs here too, before the answer. Tasks off the critical path (`mode: async`, and
 * what depends only on them) go to the queue; once everything else is final, the answer is recorded on
 * the run (`run.answered`, naming the tasks still running) and given. If this process dies, nothing is
 * lost: every dispatch the lane held is in the store, and the recovery pass sends it again.
 *
 * @example
 * const answer = await runAndAnswer(deps, handleWith, view, { workflow: 'loan_approval', input }, { waitMs: 25_000 });
 */
export async function runAndAnswer(
  deps: RuntimeDeps,
  handleWith: HandleWith,
  view: (runId: string) => Promise<RunView | undefined>,
  request: SubmitRequest,
  options: RunOptions,
): Promise<RunAnswer> {
  const plan = deps.plans.byName(request.workflow);
  if (plan?.mode !== 'sync' || options.waitMs <= 0) {
    const submitted = await submitRun(deps, request);
    return { ...submitted, ...(await awaitSettled(view, submitted.runId, options)) };
  }
  // the run's id first: the lane keeps this run's dispatches only
  const runId = runIdOf(request);
  const lane = syncLane(deps, plan, runId, handleWith, options);
  try {
    const submitted = await submitRun({ ...deps, queue: lane }, { ...request, runId });
    return { ...submitted, ...(await awaitAnswer(deps, view, plan, submitted.runId, options, lane)) };
  } finally {
    await lane.close();
  }
}

/**
 * The lane of one sync run: its critical path, its Saga and its deadline run here; a `mode: async` task (and
 * what depends only on such tasks) goes to the queue, and so does anything of another run that this run's
 * writes dispatch (a child run's tasks, a lock's next holder).
 */
function syncLane(
  deps: RuntimeDeps,
  plan: Plan,
  runId: string,
  handleWith: HandleWith,
  options: RunOptions,
): SyncLane {
  const off = new Set(plan.offPath ?? []);
  const onPath = (taskId: string) => !off.has(parseItemId(taskId)?.taskId ?? taskId);
  const handling: HandleOptions = {
    maxContinuations: Number.POSITIVE_INFINITY,
    continues: onPath,
    ...(options.deadlineAt === undefined ? {} : { deadlineAt: options.deadlineAt }),
  };
  const lane: SyncLane = new SyncLane({
    queue: deps.queue,
    keeps: (message) => message.runId === runId && (message.kind !== 'task' || onPath(message.taskId)),
    handle: (message) => handleWith({ ...deps, queue: lane }, message, handling),
    now: deps.now,
  });
  return lane;
}

/** An async run's answer: once it is settled (read when the backend says it changed, else polled). */
async function awaitSettled(
  view: (runId: string) => Promise<RunView | undefined>,
  runId: string,
  options: RunOptions,
): Promise<Answer> {
  const waited = await awaitRun({ getRun: view }, runId, {
    timeoutMs: options.waitMs,
    ...(options.changed ? { changed: options.changed } : {}),
  });
  if (waited.kind === 'settled') return { kind: 'settled', view: waited.view };
  return { kind: 'pending', ...(waited.kind === 'pending' ? { view: waited.view } : {}) };
}

type Answer =
  | { readonly kind: 'settled'; readonly view: RunView }
  | { readonly kind: 'answered'; readonly view: RunView; readonly pending: readonly string[] }
  | { readonly kind: 'pending'; readonly view?: RunView };

/**
 * Reads the run when it may have changed until it is settled, a sync run's critical path is final, or the
 * wait is over: while the lane runs the run's work, at the end of each handling only; while it runs none (a
 * timer, the queue, another process at work), when the backend says so, or on a back-off up to 1 s. A handling that raised is the
 * process dying for this run: raised here, its dispatches left to the recovery pass.
 */
async function awaitAnswer(
  deps: RuntimeDeps,
  view: (runId: string) => Promise<RunView | undefined>,
  plan: Plan,
  runId: string,
  options: RunOptions,
  lane: SyncLane,
): Promise<Answer> {
  const deadline = Date.now() + options.waitMs;
  let pollMs = FIRST_POLL_MS;
  for (;;) {
    // this process is running the run's work: the end of a handling is the next news, no read before
    while (!lane.idle && !lane.failure && Date.now() < deadline) await lane.settled(deadline - Date.now());
    if (lane.failure) throw lane.failure.error;
    const current = await view(runId);
    if (current === undefined || isSettled(current)) {
      return current === undefined ? { kind: 'pending' } : { kind: 'settled', view: current };
    }
    const early = decideEarlyAnswer(plan, current.status, (taskId) => current.tasks[taskId]?.status);
    if (early) {
      const answered = await recordAnswer(deps, runId, early.pending);
      const after = answered ? await view(runId) : undefined;
      if (after?.answered) return { kind: 'answered', view: after, pending: after.answered.pending };
      // the run stopped first (a failure, a cancel): it is answered once its Saga is done
    }
    const left = deadline - Date.now();
    if (left <= 0) return { kind: 'pending', view: current };
    if (!lane.idle) continue;
    // nothing of it runs here (a timer, the queue, another process): read on a change, else on a back-off
    const ms = Math.min(left, pollMs);
    await Promise.race([lane.settled(ms), ...(options.changed ? [options.changed(runId, ms)] : [])]);
    pollMs = Math.min(pollMs * 2, MAX_POLL_MS);
  }
}

/** Records the early answer on the run (once; refused once the run has stopped). */
async function recordAnswer(deps: RuntimeDeps, runId: string, pending: readonly string[]): Promise<boolean> {
  const state = await deps.store.loadRun(runId);
  if (!state) return false;
  // after every entry so far in the history; the run's own clock is not moved (nothing is decided by it)
  const lamport = lamportAfter(state.run, state.tasks.values());
  const outcome = await deps.store.answerRun({
    runId,
    at: deps.now(),
    pending,
    lamport,
    event: {
      type: 'run.answered',
      lamport,
      at: isoNow(deps),
      detail: { pending: [...pending] },
    },
  });
  if (outcome.ok) deps.logger.info('run answered', { runId, pending });
  return outcome.ok || outcome.current?.answered !== undefined;
}
