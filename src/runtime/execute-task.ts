import { attemptTimeout } from '../engine/attempt-timeout.ts';
import { explainTaskClaim } from '../engine/claim.ts';
import { depOutputs, gate, type SkipDetail } from '../engine/gate.ts';
import { formatBytes, leaseMs, MAX_TAKEOVERS, outputLimitBytes, utf8Bytes } from '../engine/limits.ts';
import { decideFailure } from '../engine/retry.ts';
import type { RunContext, StoredEvent, TaskMessage, TaskRecord } from '../engine/types.ts';
import { evaluateCondition } from '../workflow/expression.ts';
import type { Plan, PlannedTask } from '../workflow/plan.ts';
import { advance, type Continuation, writeHeldEdges } from './advance.ts';
import { runAttempt, toErrorView, withAutoRenew } from './attempt.ts';
import { newCallbackToken } from './callback-token.ts';
import { awaitCompletion, lapseWait, openToken } from './callback-wait.ts';
import { checkpointTask } from './checkpoint.ts';
import { startChild } from './child-run.ts';
import { claimAttempt, claimedEvent, taskClaim } from './claim-attempt.ts';
import { expiresAt, fault, type HandleOptions, isoNow, type RuntimeDeps } from './deps.ts';
import { sendDispatches } from './dispatch.ts';
import { HandlerNotFoundError, OutputTooLargeError, TaskLostError, TaskTimeoutError } from './errors.ts';
import { isolatedHandler } from './isolation/isolated-handler.ts';
import { continueLane, itemFailed, type MapItem, mapContext, resolveTask, startMap } from './map-run.ts';
import { stopOnFailure, stoppedAfterFlag } from './pause.ts';
import { planFor } from './plans.ts';
import { freshContext, runContextFor, taskMessage } from './run-context.ts';
import { skipAttempt } from './skip-attempt.ts';
import { sleepOrWake } from './sleep-attempt.ts';
import { giveBack, type Need, releaseHeld, takeSlots } from './slots.ts';
import type { Json, LockGrant, TaskErrorView, TaskHandler } from './types.ts';

/**
 * Runs one attempt of a task from its dispatch message: claim (one conditional write), run the handler,
 * checkpoint (fenced on owner and attempt), then advance along the edges; a dependent the edge made ready
 * is continued here (eager continuation) while `options` allow, without a hop through the queue. What the
 * attempt needs of the run travels in the message (no read of the run item); a message without it reads
 * the run once. A failure is retried per the task's policy or stops the run.
 */
export async function executeTask(
  deps: RuntimeDeps,
  message: TaskMessage,
  options: HandleOptions = {},
): Promise<void> {
  const run = await runContextFor(deps, message);
  if (!run) return;
  const plan = await planFor(deps, run.workflow, run.planVersion);
  const target = resolveTask(plan, message.taskId);
  if (!target) {
    deps.logger.warn('message for an unknown task dropped', { ...message });
    return;
  }
  const { planned } = target;
  // left claimable for a process that has this task's handler
  if (deps.accepts && !deps.accepts(plan, target.item?.map.id ?? planned.id, 'task')) return;
  // an item runs only while its map runs its items: a map that ended starts none
  const context = target.item && (await mapContext(deps, run.runId, target.item.map));
  if (target.item && !context) return;
  // a concurrency limit: its slot first, or the dispatch waits (nothing claimed, no worker held)
  const gate = await takeSlots(
    deps,
    { run, plan },
    planned,
    message,
    target.item && context ? { mapTaskId: target.item.map.id, deps: context.deps } : undefined,
  );
  if (gate.kind === 'wait' || gate.kind === 'ended') return;
  const before = gate.kind === 'go' ? gate.events : [];
  const claimed = await claim(deps, { run, plan }, planned, message, before);
  if (!claimed) {
    if (gate.kind === 'go') await giveBack(deps, run.runId, planned.id, gate.taken);
    return;
  }
  const current = await freshContext(deps, run, claimed);
  const item = context && target.item ? { item: { context, index: target.item.index } } : {};
  const policy = continuation(deps, options);
  await continueFrom(
    deps,
    { run: current, plan, policy },
    {
      planned,
      record: claimed,
      ...item,
      ...(gate.kind === 'failed' ? { gateError: gate.error } : { held: gate.held, locks: gate.locks }),
    },
  );
  // the joins an edge was held back for and that were not claimed here (if this process dies first, the
  // recovery pass redoes the edges of succeeded tasks that their dependents have not counted)
  if (policy.held.size > 0) await writeHeldEdges(deps, plan, current, policy);
}

/**
 * Runs a claimed attempt, then every dependent it made ready here, a chain without recursion. A failure
 * (the process dying) is raised once every branch has ended, so none is left running unobserved.
 */
async function continueFrom(deps: RuntimeDeps, scope: Scope, first: Claimed): Promise<void> {
  const branches: Promise<void>[] = [];
  let failure: { readonly error: unknown } | undefined;
  try {
    let current: Claimed | undefined = first;
    while (current) {
      const ended = await attempt(deps, scope, current);
      // the attempt ended through this worker: its slot is given back (an abandoned one's is its taker's)
      if (ended !== 'abandoned') {
        if (current.held) await releaseHeld(deps, current.held);
      }
      const next = ended === 'abandoned' ? [] : ended;
      current = next[0];
      for (const other of next.slice(1)) {
        const branch = continueFrom(deps, scope, other);
        // observed now, raised below once every branch has ended
        branch.catch(() => {});
        branches.push(branch);
      }
    }
  } catch (error) {
    failure = { error };
  }
  const settled = await Promise.allSettled(branches);
  if (failure) throw failure.error;
  for (const branch of settled) if (branch.status === 'rejected') throw branch.reason;
}

/**
 * One attempt of a claimed task; returns the dependents claimed for this worker to run next, or
 * 'abandoned' when the attempt is no longer this worker's (its lease lost, the process shutting down).
 */
async function attempt(deps: RuntimeDeps, scope: Scope, claimed: Claimed): Promise<Claimed[] | 'abandoned'> {
  const { run, plan } = scope;
  const { planned, record, item } = claimed;
  const site = { runId: run.runId, taskId: planned.id };
  fault(deps, 'afterClaim', site);
  const fail = (error: TaskErrorView) => failAttempt(deps, run, planned, record, error, item);
  if (record.takeovers > MAX_TAKEOVERS) {
    await fail(toErrorView(new TaskLostError(planned.id, record.takeovers)));
    return [];
  }
  if (claimed.gateError) {
    await fail(claimed.gateError);
    return [];
  }
  const gated = await passGate(deps, scope, claimed);
  if (gated !== 'run') return gated;
  const startedAt = deps.now();
  if (planned.sleep !== undefined) {
    const timer = await sleepOrWake(deps, run, planned, record);
    if (timer.kind === 'sleeping') return [];
    if (timer.kind === 'failed') {
      await fail(timer.error);
      return [];
    }
    return succeed(deps, scope, claimed, timer.output, startedAt);
  }
  if (planned.child !== undefined) {
    const started = await startChild(deps, scope, { ...planned, child: planned.child }, record);
    if (started.kind === 'failed') await fail(started.error);
    return [];
  }
  if (planned.map !== undefined && !item) {
    const started = await startMap(deps, scope, { ...planned, map: planned.map }, record);
    if (started.kind === 'failed') await fail(started.error);
    if (started.kind !== 'succeeded') return [];
    return succeed(deps, scope, claimed, started.output, startedAt);
  }
  let token: string | undefined;
  if (planned.callback !== undefined) {
    if (!planned.callback.handler) {
      const address = { runId: run.runId, taskId: planned.id, attempt: record.attempt };
      await awaitCompletion(deps, run, planned, record, newCallbackToken(address));
      return [];
    }
    token = await openToken(deps, run.runId, planned, record);
    if (token === undefined) return [];
  }
  const fence = { owner: deps.owner, attempt: record.attempt };
  const timeLimit = attemptTimeout(planned, deps.defaultTimeoutMs);
  const outcome = await runAttempt({
    run: (signal, heartbeat) =>
      resolveHandler(deps, planned)(
        {
          input: JSON.parse(run.input) as Json,
          deps: item ? item.context.deps : depOutputs(planned, record),
          runId: run.runId,
          taskId: item ? item.context.mapTask.id : planned.id,
          attempt: record.attempt,
          ...(item ? { item: item.context.items[item.index] ?? null, index: item.index } : {}),
        },
        {
          signal,
          heartbeat,
          idempotencyKey: `${run.runId}:${planned.id}`,
          ...(token === undefined ? {} : { callback: { token } }),
          ...(claimed.locks && claimed.locks.length > 0 ? { locks: claimed.locks } : {}),
        },
      ),
    ...(timeLimit === undefined ? {} : { timeoutMs: timeLimit.ms }),
    ...withAutoRenew(planned),
    renew: async () => {
      const renewed = await deps.store.renewLease({
        runId: run.runId,
        taskId: planned.id,
        ...fence,
        leaseUntil: deps.now() + leaseMs(planned),
      });
      return renewed.ok;
    },
    shutdown: deps.shutdown,
  });
  fault(deps, 'afterHandler', site);
  if (outcome.kind === 'leaseLost' || outcome.kind === 'shutdown') {
    deps.logger.warn(`attempt abandoned: ${outcome.kind}`, { ...site, attempt: record.attempt });
    return 'abandoned';
  }
  if (outcome.kind === 'timedOut') {
    const error = toErrorView(
      new TaskTimeoutError(planned.id, timeLimit?.ms ?? 0, timeLimit?.ceiling ?? false),
    );
    await fail(error);
    return [];
  }
  if (outcome.kind === 'threw') {
    await fail(outcome.error);
    return [];
  }
  // a callback task's result is its completion's: the handler only hands the token out
  if (token !== undefined) {
    await awaitCompletion(deps, run, planned, record, token);
    return [];
  }
  const output = serialise(outcome.value);
  if (typeof output !== 'string') {
    await fail(output);
    return [];
  }
  const limit = outputLimitBytes(plan, item ? item.context.mapTask.id : planned.id);
  const size = utf8Bytes(output);
  if (size > limit) {
    const error = new OutputTooLargeError(planned.id, size, limit, formatBytes(size), formatBytes(limit));
    await fail(toErrorView(error));
    return [];
  }
  return succeed(deps, scope, claimed, output, startedAt);
}

/** Checkpoints a succeeded attempt's output and advances along its edges. */
async function succeed(
  deps: RuntimeDeps,
  scope: Scope,
  claimed: Claimed,
  output: string,
  startedAt: number,
): Promise<Claimed[]> {
  const { run, plan } = scope;
  const { planned, record } = claimed;
  const site = { runId: run.runId, taskId: planned.id };
  const fence = { owner: deps.owner, attempt: record.attempt };
  const lamport = record.lamport + 1;
  const checkpointed = await checkpointTask(deps, {
    runId: run.runId,
    taskId: planned.id,
    fence,
    output,
    lamport,
  });
  if (!checkpointed) return [];
  deps.metrics.taskFinished(
    claimed.item?.context.mapTask.id ?? planned.id,
    'succeeded',
    deps.now() - startedAt,
  );
  fault(deps, 'afterCheckpoint', site);
  if (checkpointed.stopping && (await stoppedAfterFlag(deps, run.runId))) return [];
  if (claimed.item) {
    // an item under a concurrency limit takes its slot through the queue, as any dispatch
    const here = (task: PlannedTask) =>
      task.concurrency === undefined && task.locks === undefined && scope.policy.fits(task);
    return continueLane(deps, scope, claimed.item, lamport, here);
  }
  const next = await advance(deps, plan, run, planned.id, output, lamport, { continuation: scope.policy });
  return next.map((r) => ({ planned: plan.tasks[r.taskId] as PlannedTask, record: r }));
}

/**
 * Before the handler: a task whose deps were all skipped, or whose `when` is false, is skipped; a `when`
 * that fails to evaluate fails the task (not retried). Returns 'run', or the dependents the skip continues.
 */
async function passGate(deps: RuntimeDeps, scope: Scope, claimed: Claimed): Promise<'run' | Claimed[]> {
  const { run, plan } = scope;
  const { planned, record } = claimed;
  const decision = gate(planned, record);
  if (decision.kind === 'run') return 'run';
  let detail: SkipDetail;
  if (decision.kind === 'skip') detail = decision.detail;
  else {
    const scopeOf = { input: JSON.parse(run.input) as Json, deps: depOutputs(planned, record) };
    try {
      if (await evaluateCondition(decision.when, scopeOf)) return 'run';
    } catch (error) {
      await failAttempt(deps, run, planned, record, toErrorView(error));
      return [];
    }
    detail = { reason: 'condition', when: decision.when };
  }
  const next = await skipAttempt(deps, scope, planned, record, detail);
  return next.map((r) => ({ planned: plan.tasks[r.taskId] as PlannedTask, record: r }));
}

/** How many dependents one checkpoint may continue here, and when there is no time left for one. */
function continuation(deps: RuntimeDeps, options: HandleOptions): Continuation {
  const deadlineAt = options.deadlineAt;
  return {
    counted: new Map(),
    held: new Map(),
    slots: options.maxContinuations ?? deps.continuations ?? DEFAULT_CONTINUATIONS,
    // a continued attempt must end (its timeout) before the invocation does, with a margin to record it
    fits: (task) =>
      !deps.draining?.aborted &&
      (options.continues?.(task.id) ?? true) &&
      (deadlineAt === undefined || deps.now() + (task.timeoutMs ?? 0) + CONTINUATION_MARGIN_MS < deadlineAt),
  };
}

async function claim(
  deps: RuntimeDeps,
  scope: { readonly run: RunContext; readonly plan: Plan },
  planned: PlannedTask,
  message: TaskMessage,
  before: readonly StoredEvent[],
): Promise<TaskRecord | undefined> {
  const carried = before.length === 0 && (await claimCarried(deps, planned, message));
  if (carried) return carried;
  const claimed = await claimAttempt(deps, message, {
    claim: (now, lamport) =>
      deps.store.claimTask({
        ...taskClaim(deps, message.runId, planned, now, lamport),
        ...(before.length === 0 ? {} : { before: before.map((event) => ({ ...event, lamport })) }),
      }),
    explain: (current, now, lamport) => explainTaskClaim(current, planned.deps.length, now, lamport),
    lapsed: (current) => lapseWait(deps, scope, planned, current),
  });
  if (claimed) deps.metrics.schedulingLatency(claimed.claimedAt - message.readyAt);
  return claimed?.record;
}

/**
 * A dispatch that carries its task's only edge: the claim copies it (one write for both). Refused when the
 * item exists (a duplicate claimed it, the recovery pass wrote the edge, the rollback skipped the task, a
 * pause held it): the edge is then written as a plain one if the item has not counted it, and the usual
 * claim decides.
 */
async function claimCarried(
  deps: RuntimeDeps,
  planned: PlannedTask,
  message: TaskMessage,
): Promise<TaskRecord | undefined> {
  const edge = message.edge;
  if (edge === undefined || planned.deps.length !== 1 || planned.deps[0] !== edge.from) return undefined;
  const now = deps.now();
  const claimLamport = Math.max(message.lamport, edge.lamport) + 1;
  const outcome = await deps.store.claimByEdge({
    depCount: 1,
    runId: message.runId,
    to: planned.id,
    ...edge,
    owner: deps.owner,
    now,
    leaseUntil: now + leaseMs(planned),
    claimLamport,
    event: claimedEvent(deps, claimLamport),
  });
  if (!outcome.ok) {
    if (outcome.current && !outcome.current.depsDone.includes(edge.from)) {
      await deps.store.copyEdge({ runId: message.runId, to: planned.id, ...edge, dispatchedAt: now });
    }
    return undefined;
  }
  deps.metrics.schedulingLatency(now - message.readyAt);
  return outcome.record;
}

/** A task claimed for this worker, with its plan entry (and its map, for an item). */
interface Claimed {
  readonly planned: PlannedTask;
  readonly record: TaskRecord;
  readonly item?: MapItem;
  /** The task's concurrency key could not be evaluated: the attempt fails with this, not retried. */
  readonly gateError?: TaskErrorView;
  /** The slots and locks the attempt holds, given back when it ends. */
  readonly held?: readonly Need[];
  /** Its locks with their fencing tokens, for the handler. */
  readonly locks?: readonly LockGrant[];
}

/** What the attempts continued from one message share. */
interface Scope {
  readonly run: RunContext;
  readonly plan: Plan;
  readonly policy: Continuation;
}

/** Dependents one checkpoint continues here at most, by default; the rest go through the queue. */
const DEFAULT_CONTINUATIONS = 4;
/** Time kept, past a continued attempt's timeout, to record its outcome before the invocation ends. */
const CONTINUATION_MARGIN_MS = 5_000;

function resolveHandler(deps: RuntimeDeps, planned: PlannedTask): TaskHandler {
  // without a Lambda client (locally) a `lambda:` task runs the stand-in export named after it (isolated
  // as the task says); with one, the function is the isolation: its own process, its own role
  if (planned.lambda !== undefined && deps.invokeLambda) {
    const invoke = deps.invokeLambda;
    const functionName = planned.lambda;
    return (event, ctx) => {
      // a Lambda function gets a callback task's token in its payload
      const payload = ctx.callback === undefined ? event : { ...event, callback: ctx.callback };
      return invoke(functionName, payload as unknown as Json, ctx.signal);
    };
  }
  if (planned.isolation !== undefined) return isolatedHandler(deps.handlers, planned, planned.isolation);
  const handler = deps.handlers[planned.handler];
  if (typeof handler !== 'function') throw new HandlerNotFoundError(planned.handler);
  return handler as TaskHandler;
}

/** The output as JSON text; a handler that returns nothing (or a function) checkpoints `null`. */
function serialise(value: unknown): string | TaskErrorView {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch (error) {
    return {
      name: 'InvalidOutputError',
      message: `the handler's result is not JSON: ${toErrorView(error).message}`,
    };
  }
}

/**
 * A failed attempt: retried after a backoff when the policy allows, else the task fails and the run stops
 * (an item's failure is counted on its map instead, which fails once it tolerates no more).
 */
async function failAttempt(
  deps: RuntimeDeps,
  run: RunContext,
  planned: PlannedTask,
  claimed: TaskRecord,
  error: TaskErrorView,
  item?: MapItem,
): Promise<void> {
  const failures = claimed.failures + 1;
  const decision = decideFailure(planned.retry, failures, error.name, deps.random());
  const lamport = claimed.lamport + 1;
  const base = {
    runId: run.runId,
    taskId: planned.id,
    owner: deps.owner,
    attempt: claimed.attempt,
    error,
    failures,
    lamport,
  };
  if (decision.kind === 'retry') {
    const now = deps.now();
    const dueAt = now + decision.delayMs;
    const outcome = await deps.store.retryTask({
      ...base,
      dueAt,
      // this worker ran the attempt: the retry's dispatch goes to its own queue
      dispatchedAt: dueAt,
      event: {
        type: 'task.retrying',
        lamport,
        at: isoNow(deps),
        attempt: claimed.attempt,
        detail: { ...error, delayMs: decision.delayMs },
      },
    });
    if (!outcome.ok) return;
    if (outcome.record.stopping && (await stoppedAfterFlag(deps, run.runId))) return;
    await sendDispatches(deps, [taskMessage(run, planned.id, lamport, dueAt)], dueAt);
    return;
  }
  const outcome = await deps.store.endTask({
    ...base,
    status: 'failed',
    expiresAt: expiresAt(deps),
    event: {
      type: 'task.failed',
      lamport,
      at: isoNow(deps),
      attempt: claimed.attempt,
      detail: { ...error },
    },
  });
  if (!outcome.ok) return;
  deps.metrics.taskFinished(
    item?.context.mapTask.id ?? planned.id,
    'failed',
    deps.now() - (claimed.startedAt ?? deps.now()),
  );
  deps.logger.warn('task failed', { runId: run.runId, taskId: planned.id, error });
  const plan = await planFor(deps, run.workflow, run.planVersion);
  if (item) {
    if (outcome.record.stopping && (await stoppedAfterFlag(deps, run.runId))) return;
    await itemFailed(deps, { run, plan }, item, lamport);
    return;
  }
  await stopOnFailure(deps, plan, run.runId, { ...error, taskId: planned.id }, lamport + 1);
}
