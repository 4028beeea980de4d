/**
 * Random store operations on one run, drawn from small domains (three tasks, two owners, attempts 0-3,
 * three instants) so that a sequence of them is accepted about as often as it is refused. A step is plain
 * data, so fast-check prints a failing sequence readably; `applyStep` turns it into the store call.
 */
import fc from 'fast-check';
import type { StoredEvent, TaskRecord } from '../../../src/engine/types.ts';
import type { TaskErrorView } from '../../../src/runtime/types.ts';
import type { CasOutcome, RunStore } from '../../../src/store/run-store.ts';

const TASKS = ['a', 'b', 'c'] as const;
const anyTask = fc.constantFrom(...TASKS);
/** `busy`: a task the step has something to do with, if there is one (see {@link WANTS}). */
const BUSY = 'busy';
const taskId = fc.oneof({ arbitrary: fc.constant(BUSY), weight: 3 }, { arbitrary: anyTask, weight: 2 });
/** Mostly the plan's edges (a -> c, b -> c), sometimes any pair, a replay or a self-edge. */
const edge = fc.oneof(
  { arbitrary: fc.record({ from: fc.constantFrom('a', 'b'), to: fc.constant('c') }), weight: 4 },
  fc.record({ from: anyTask, to: anyTask }),
);
/** `plan`: the task's dependency count in that plan (c has two), or a wrong one. */
const PLAN = 'plan';
const depCount = fc.oneof({ arbitrary: fc.constant(PLAN), weight: 4 }, fc.integer({ min: 0, max: 3 }));
/** `holder`: whoever holds the claim (of the task, or of its compensation) when the step is sent. */
const HOLDER = 'holder';
const owner = fc.oneof({ arbitrary: fc.constant(HOLDER), weight: 6 }, fc.constantFrom('w1', 'w2'));
const attempt = fc.oneof(
  { arbitrary: fc.constant(HOLDER), weight: 6 },
  { arbitrary: fc.integer({ min: 0, max: 3 }), weight: 1 },
);
const instant = fc.constantFrom(10, 20, 30);
/** A write's dispatch time (`Dispatching`): mostly recorded, sometimes not (a dispatch no worker here runs). */
const dispatchedAt = fc.option(instant, { nil: undefined, freq: 3 });
const failures = fc.integer({ min: 1, max: 3 });
const output = fc.constantFrom('1', '"x"', '{"k":[1,null]}');
/** Sometimes with a field a record must not keep: only the name and the message are stored. */
const error = fc.record(
  {
    name: fc.constantFrom('Boom', 'TaskLostError'),
    message: fc.constantFrom('failed', 'lost'),
    stack: fc.constant('at x'),
  },
  { requiredKeys: ['name', 'message'] },
);
/** How far the step's Lamport time is from its position: mostly ahead, sometimes stale. */
const lamportShift = fc.constantFrom(-3, -1, 0, 0, 0, 1);
const eventExtras = fc.record(
  { attempt: fc.integer({ min: 1, max: 3 }), detail: fc.constantFrom('x', 'y') },
  { requiredKeys: [] },
);

const stamped = { dl: lamportShift, ev: eventExtras };
/** `holder`: the task's open callback token; or one it may not hold. */
const token = fc.oneof({ arbitrary: fc.constant(HOLDER), weight: 5 }, fc.constantFrom('t1', 't2'));
const completion = fc.oneof(
  fc.record({ status: fc.constant('succeeded' as const), output }),
  fc.record(
    { status: fc.constant('ready' as const), error, failures, dueAt: instant, dispatchedAt },
    { requiredKeys: ['status', 'error', 'failures', 'dueAt'] },
  ),
  fc.record({ status: fc.constant('failed' as const), error, failures }),
);

function step<N extends string, F extends object>(
  name: N,
  fields: { [K in keyof F]: fc.Arbitrary<F[K]> },
): fc.Arbitrary<{ name: N } & F> {
  const model = { name: fc.constant(name), ...fields } as {
    [K in keyof ({ name: N } & F)]: fc.Arbitrary<({ name: N } & F)[K]>;
  };
  return fc.record(model) as fc.Arbitrary<{ name: N } & F>;
}

const steps = {
  claimTask: step('claimTask', {
    taskId,
    owner,
    now: instant,
    leaseUntil: instant,
    depCount,
    ...stamped,
  }),
  renewLease: step('renewLease', { taskId, owner, attempt, leaseUntil: instant }),
  checkpoint: step('checkpoint', { taskId, owner, attempt, output, now: instant, ...stamped }),
  retryTask: step('retryTask', {
    ...{ taskId, owner, attempt, error, failures, dueAt: instant, dispatchedAt },
    ...stamped,
  }),
  sleepTask: step('sleepTask', { taskId, owner, attempt, dueAt: instant, dispatchedAt, ...stamped }),
  endTask: step('endTask', {
    ...{ taskId, owner, attempt, error, failures },
    status: fc.constantFrom('failed', 'skipped'),
    ...stamped,
  }),
  copyEdge: step('copyEdge', { edge, output, dispatchedAt, dl: lamportShift }),
  claimByEdge: step('claimByEdge', {
    edge,
    output,
    owner,
    now: instant,
    leaseUntil: instant,
    depCount,
    // with an edge into the same task held back by the worker (the join's other dependency), or none
    carry: fc.option(anyTask, { nil: undefined }),
    ...stamped,
  }),
  skipTask: step('skipTask', { taskId, ...stamped }),
  openCallback: step('openCallback', { taskId, owner, attempt, token }),
  awaitCallback: step('awaitCallback', {
    ...{ taskId, owner, attempt, token },
    timeoutAt: fc.option(instant, { nil: undefined }),
    dueAt: fc.option(instant, { nil: undefined }),
    dispatchedAt,
    map: fc.option(
      fc.record({
        items: fc.constantFrom('[1,2,3]', '["a"]'),
        count: fc.constantFrom(1, 3),
        lanes: fc.constantFrom(1, 2),
        // a redrive's kept items and the lanes they fill (number sets: none is no attribute)
        kept: fc.constantFrom([], [0], [0, 2]),
        lanesDone: fc.constantFrom([], [1]),
      }),
      { nil: undefined },
    ),
    ...stamped,
  }),
  countMapItem: step('countMapItem', {
    taskId,
    token,
    count: fc.oneof(
      fc.record({ lane: fc.integer({ min: 0, max: 1 }) }),
      fc.record({ failed: fc.integer({ min: 0, max: 2 }) }),
      fc.record({ lane: fc.integer({ min: 0, max: 1 }), failed: fc.integer({ min: 0, max: 2 }) }),
    ),
  }),
  completeCallback: step('completeCallback', { taskId, attempt, token, completion, ...stamped }),
  heartbeatCallback: step('heartbeatCallback', { taskId, attempt, token, dueAt: instant }),
  cancelWait: step('cancelWait', { taskId, ...stamped }),
  holdTask: step('holdTask', { taskId }),
  releaseHold: step('releaseHold', { taskId, redrive: fc.integer({ min: 1, max: 2 }), ready: fc.boolean() }),
  resetTask: step('resetTask', {
    taskId,
    redrive: fc.integer({ min: 1, max: 2 }),
    status: fc.constantFrom('ready', 'pending'),
    dropDeps: fc.subarray(['a', 'b']),
    ...stamped,
  }),
  retainTask: step('retainTask', { taskId }),
  pauseRun: step('pauseRun', {
    error: fc.record({
      name: fc.constant('Boom'),
      message: fc.constant('failed'),
      taskId: fc.option(anyTask, { nil: undefined }),
    }),
    ...stamped,
  }),
  redriveRun: step('redriveRun', {
    redrive: fc.integer({ min: 1, max: 2 }),
    reset: fc.subarray(['a', 'b', 'c']),
    rerunMaps: fc.subarray(['a', 'b']),
    dropSinks: fc.subarray(['a', 'b', 'c']),
    input: fc.option(fc.constantFrom('{"n":2}', 'null'), { nil: undefined }),
    ...stamped,
  }),
  flagStopping: step('flagStopping', { taskId }),
  releaseTask: step('releaseTask', { taskId, owner, attempt, dispatchedAt, ...stamped }),
  dispatchCompensation: step('dispatchCompensation', { taskId, dispatchedAt, ...stamped }),
  claimCompensation: step('claimCompensation', {
    taskId,
    owner,
    now: instant,
    leaseUntil: instant,
    ...stamped,
  }),
  renewCompensationLease: step('renewCompensationLease', { taskId, owner, attempt, leaseUntil: instant }),
  finishCompensation: step('finishCompensation', {
    taskId,
    owner,
    attempt,
    status: fc.constantFrom('compensated', 'compensation_failed'),
    error: fc.option(error, { nil: undefined }),
    ...stamped,
  }),
  retryCompensation: step('retryCompensation', {
    ...{ taskId, owner, attempt, dueAt: instant, failures, error, dispatchedAt },
    ...stamped,
  }),
  releaseCompensation: step('releaseCompensation', { taskId, owner, attempt, dispatchedAt, ...stamped }),
  createRun: step('createRun', {
    idempotencyKey: fc.option(fc.constantFrom('k1', 'k2'), { nil: undefined }),
    dispatchedAt,
    ...stamped,
  }),
  countSink: step('countSink', { taskId, dl: lamportShift }),
  countLastSink: step('countLastSink', { taskId, now: instant, ...stamped }),
  finishRun: step('finishRun', { sinkCount: fc.integer({ min: 0, max: 2 }), now: instant, ...stamped }),
  stopRun: step('stopRun', {
    cause: fc.constantFrom('failed', 'cancelled'),
    error: fc.record({
      name: fc.constant('Boom'),
      message: fc.constant('failed'),
      taskId: fc.option(anyTask, { nil: undefined }),
    }),
    ...stamped,
  }),
  finishRollback: step('finishRollback', {
    status: fc.constantFrom('failed', 'cancelled'),
    rollback: fc.constantFrom('none', 'completed', 'incomplete'),
    now: instant,
    ...stamped,
  }),
  revertRun: step('revertRun', { createdAt: instant, ...stamped }),
  answerRun: step('answerRun', { at: instant, pending: fc.subarray(['a', 'b', 'c']), ...stamped }),
};

export type StepName = keyof typeof steps;
export type Step = (typeof steps)[StepName] extends fc.Arbitrary<infer S> ? S : never;

/** The steps that write a run's own record; the others write a task's. */
export const RUN_STEPS: ReadonlySet<StepName> = new Set([
  'createRun',
  'pauseRun',
  'redriveRun',
  'countSink',
  'countLastSink',
  'finishRun',
  'stopRun',
  'revertRun',
  'finishRollback',
  'answerRun',
]);

/** Any step, the ones named drawn more often (weight 1 otherwise). */
function phase(weights: Partial<Record<StepName, number>>): fc.Arbitrary<Step> {
  const entries = Object.entries(steps) as [StepName, fc.Arbitrary<Step>][];
  return fc.oneof(...entries.map(([name, arbitrary]) => ({ arbitrary, weight: weights[name] ?? 1 })));
}

/** Mostly the forward path: claims, checkpoints, edges, retries, sinks. */
const forward = phase({
  claimTask: 12,
  checkpoint: 10,
  copyEdge: 5,
  claimByEdge: 4,
  retryTask: 3,
  sleepTask: 2,
  openCallback: 3,
  awaitCallback: 4,
  completeCallback: 5,
  heartbeatCallback: 2,
  countMapItem: 4,
  releaseTask: 3,
  renewLease: 2,
  countSink: 3,
  pauseRun: 2,
  answerRun: 2,
  holdTask: 2,
  redriveRun: 2,
  releaseHold: 2,
  resetTask: 2,
  retainTask: 1,
});
/** Mostly the rollback: stop the run, skip and flag tasks, run compensations, end the rollback. */
const rollback = phase({
  stopRun: 3,
  skipTask: 2,
  cancelWait: 2,
  flagStopping: 2,
  dispatchCompensation: 8,
  claimCompensation: 10,
  finishCompensation: 6,
  retryCompensation: 4,
  releaseCompensation: 3,
  renewCompensationLease: 2,
  finishRollback: 3,
  revertRun: 2,
});

/**
 * A sequence for one run, shaped like a run's life so that later operations find the records they need:
 * most create the run first, then go mostly forward, then mostly roll back.
 */
export const stepsArbitrary = fc
  .tuple(
    fc.option(steps.createRun, { freq: 6, nil: undefined }),
    fc.array(forward, { minLength: 1, maxLength: 40, size: 'max' }),
    fc.array(rollback, { maxLength: 30, size: 'max' }),
  )
  .map(([create, ahead, back]) => [...(create ? [create] : []), ...ahead, ...back]);

const AT = '2026-01-01T00:00:00.000Z';
const EXPIRES_AT = 1_800_000_000;

interface Extras {
  readonly attempt?: number;
  readonly detail?: string;
}

function event(type: string, lamport: number, extras: Extras): StoredEvent {
  return {
    type,
    lamport,
    at: AT,
    ...(extras.attempt === undefined ? {} : { attempt: extras.attempt }),
    ...(extras.detail === undefined ? {} : { detail: { k: extras.detail } }),
  };
}

/** Strips what fast-check leaves `undefined`: operations carry no undefined fields. */
function errorOf(e: { name: string; message: string; stack?: string }): TaskErrorView {
  return e as TaskErrorView;
}

/**
 * Sends step number `index` of a sequence on run `runId` to `store`. Its Lamport time is its position
 * shifted by the step's `dl`, never below 1.
 */
export function applyStep(
  store: RunStore,
  runId: string,
  index: number,
  step: Step,
  reference: ReadonlyMap<string, TaskRecord>,
): Promise<CasOutcome<unknown>> {
  const s = resolve(step, reference);
  const lamport = Math.max(1, index + 1 + ('dl' in s ? s.dl : 0));
  switch (s.name) {
    case 'claimTask':
      return store.claimTask({
        ...stampedOf(s, runId, lamport),
        ...pick(s, 'taskId', 'owner', 'now', 'leaseUntil', 'depCount'),
      });
    case 'renewLease':
      return store.renewLease({ runId, ...pick(s, 'taskId', 'owner', 'attempt', 'leaseUntil') });
    case 'checkpoint':
      return store.checkpoint({
        ...stampedOf(s, runId, lamport),
        ...pick(s, 'taskId', 'owner', 'attempt', 'output', 'now'),
        expiresAt: EXPIRES_AT,
      });
    case 'retryTask':
      return store.retryTask({
        ...stampedOf(s, runId, lamport),
        ...pick(s, 'taskId', 'owner', 'attempt', 'failures', 'dueAt'),
        ...dispatchOf(s),
        error: errorOf(s.error),
      });
    case 'sleepTask':
      return store.sleepTask({
        ...stampedOf(s, runId, lamport),
        ...pick(s, 'taskId', 'owner', 'attempt', 'dueAt'),
        ...dispatchOf(s),
      });
    case 'endTask':
      return store.endTask({
        ...stampedOf(s, runId, lamport),
        ...pick(s, 'taskId', 'owner', 'attempt', 'failures'),
        expiresAt: EXPIRES_AT,
        ...(s.status === 'failed' ? { status: 'failed', error: errorOf(s.error) } : { status: 'skipped' }),
      });
    case 'copyEdge':
      return store.copyEdge({ runId, ...s.edge, output: s.output, lamport, ...dispatchOf(s) });
    case 'claimByEdge':
      return store.claimByEdge({
        ...stampedOf(s, runId, lamport + 1),
        ...s.edge,
        ...pick(s, 'output', 'owner', 'now', 'leaseUntil', 'depCount'),
        lamport,
        claimLamport: lamport + 1,
        ...(s.carry === undefined || s.carry === s.edge.from
          ? {}
          : { carried: [{ from: s.carry, output: '"held"', lamport: lamport - 1 }] }),
      });
    case 'skipTask':
      return store.skipTask({ ...stampedOf(s, runId, lamport), taskId: s.taskId, expiresAt: EXPIRES_AT });
    case 'openCallback':
      return store.openCallback({ runId, ...pick(s, 'taskId', 'owner', 'attempt', 'token') });
    case 'awaitCallback':
      return store.awaitCallback({
        ...stampedOf(s, runId, lamport),
        ...pick(s, 'taskId', 'owner', 'attempt', 'token'),
        ...(s.timeoutAt === undefined ? {} : { timeoutAt: s.timeoutAt }),
        ...(s.dueAt === undefined ? {} : { dueAt: s.dueAt }),
        ...(s.map === undefined ? {} : { map: s.map }),
        ...dispatchOf(s),
      });
    case 'countMapItem':
      return store.countMapItem({ runId, ...pick(s, 'taskId', 'token'), ...s.count });
    case 'completeCallback': {
      const c = s.completion;
      return store.completeCallback({
        ...stampedOf(s, runId, lamport),
        ...pick(s, 'taskId', 'attempt', 'token'),
        completion:
          c.status === 'succeeded'
            ? { ...c, expiresAt: EXPIRES_AT }
            : c.status === 'ready'
              ? { ...pick(c, 'status', 'failures', 'dueAt'), ...dispatchOf(c), error: errorOf(c.error) }
              : { ...c, error: errorOf(c.error), expiresAt: EXPIRES_AT },
      });
    }
    case 'heartbeatCallback':
      return store.heartbeatCallback({ runId, ...pick(s, 'taskId', 'attempt', 'token', 'dueAt') });
    case 'cancelWait':
      return store.cancelWait({ ...stampedOf(s, runId, lamport), taskId: s.taskId, expiresAt: EXPIRES_AT });
    case 'holdTask':
      return store.holdTask({ runId, taskId: s.taskId });
    case 'releaseHold':
      return store.releaseHold({
        runId,
        taskId: s.taskId,
        redrive: s.redrive,
        ...(s.ready ? { status: 'ready' } : {}),
      });
    case 'resetTask':
      return store.resetTask({
        ...stampedOf(s, runId, lamport),
        ...pick(s, 'taskId', 'redrive', 'status', 'dropDeps'),
      });
    case 'retainTask':
      return store.retainTask({ runId, taskId: s.taskId });
    case 'pauseRun': {
      const { taskId: failedTask, ...rest } = s.error;
      return store.pauseRun({
        ...stampedOf(s, runId, lamport),
        error: { ...rest, ...(failedTask ? { taskId: failedTask } : {}) },
      });
    }
    case 'redriveRun':
      return store.redriveRun({
        ...stampedOf(s, runId, lamport),
        ...pick(s, 'redrive', 'reset', 'rerunMaps', 'dropSinks'),
        ...(s.input === undefined ? {} : { input: s.input, inputHash: `h-${s.input}` }),
      });
    case 'flagStopping':
      return store.flagStopping({ runId, taskId: s.taskId });
    case 'releaseTask':
      return store.releaseTask({
        ...stampedOf(s, runId, lamport),
        ...pick(s, 'taskId', 'owner', 'attempt'),
        ...dispatchOf(s),
      });
    case 'dispatchCompensation':
      return store.dispatchCompensation({
        ...stampedOf(s, runId, lamport),
        taskId: s.taskId,
        ...dispatchOf(s),
      });
    case 'claimCompensation':
      return store.claimCompensation({
        ...stampedOf(s, runId, lamport),
        ...pick(s, 'taskId', 'owner', 'now', 'leaseUntil'),
      });
    case 'renewCompensationLease':
      return store.renewCompensationLease({ runId, ...pick(s, 'taskId', 'owner', 'attempt', 'leaseUntil') });
    case 'finishCompensation':
      return store.finishCompensation({
        ...stampedOf(s, runId, lamport),
        ...pick(s, 'taskId', 'owner', 'attempt', 'status'),
        ...(s.error ? { error: errorOf(s.error) } : {}),
        expiresAt: EXPIRES_AT,
      });
    case 'retryCompensation':
      return store.retryCompensation({
        ...stampedOf(s, runId, lamport),
        ...pick(s, 'taskId', 'owner', 'attempt', 'dueAt', 'failures'),
        ...dispatchOf(s),
        error: errorOf(s.error),
      });
    case 'releaseCompensation':
      return store.releaseCompensation({
        ...stampedOf(s, runId, lamport),
        ...pick(s, 'taskId', 'owner', 'attempt'),
        ...dispatchOf(s),
      });
    case 'createRun':
      return store.createRun({
        runId,
        workflow: 'w',
        planVersion: 'v1',
        input: '{"n":1}',
        inputHash: 'h',
        createdAt: 1_767_225_600_000,
        ...(s.idempotencyKey ? { idempotencyKey: s.idempotencyKey } : {}),
        ...dispatchOf(s),
        event: event(s.name, lamport, s.ev),
      });
    case 'countSink':
      return store.countSink({ runId, taskId: s.taskId, lamport });
    case 'countLastSink':
      return store.countLastSink({
        ...stampedOf(s, runId, lamport),
        taskId: s.taskId,
        sinkLamport: Math.max(1, lamport - 1),
        now: s.now,
        expiresAt: EXPIRES_AT,
      });
    case 'finishRun':
      return store.finishRun({
        ...stampedOf(s, runId, lamport),
        sinkCount: s.sinkCount,
        now: s.now,
        expiresAt: EXPIRES_AT,
      });
    case 'answerRun': {
      return store.answerRun({ ...stampedOf(s, runId, lamport), at: s.at, pending: s.pending });
    }
    case 'stopRun': {
      const { taskId: failedTask, ...rest } = s.error;
      return store.stopRun({
        ...stampedOf(s, runId, lamport),
        cause: s.cause,
        error: { ...rest, ...(failedTask ? { taskId: failedTask } : {}) },
      });
    }
    case 'finishRollback':
      return store.finishRollback({
        ...stampedOf(s, runId, lamport),
        ...pick(s, 'status', 'rollback', 'now'),
        expiresAt: EXPIRES_AT,
      });
    case 'revertRun':
      return store.revertRun({
        ...stampedOf(s, runId, lamport),
        createdAt: s.createdAt,
        error: { name: 'ParentRolledBack', message: 'the parent rolled back' },
      });
  }
}

type Resolved<S> = S extends unknown
  ? {
      [K in keyof S]: K extends 'owner' | 'taskId' | 'token'
        ? string
        : K extends 'attempt' | 'depCount'
          ? number
          : S[K];
    }
  : never;

const COMPENSATION_STEPS: ReadonlySet<StepName> = new Set([
  'claimCompensation',
  'renewCompensationLease',
  'finishCompensation',
  'retryCompensation',
  'releaseCompensation',
]);

const running = (t: TaskRecord | undefined) => t?.status === 'running';
const compensating = (t: TaskRecord | undefined) => t?.compensation?.status === 'running';
const notStarted = (t: TaskRecord | undefined) => !t || t.status === 'pending' || t.status === 'ready';

/** The task a `busy` step picks: the first whose record this accepts. */
const WANTS: Partial<Record<StepName, (t: TaskRecord | undefined) => boolean>> = {
  claimTask: notStarted,
  renewLease: running,
  checkpoint: running,
  retryTask: running,
  sleepTask: running,
  openCallback: running,
  awaitCallback: running,
  completeCallback: (t) => running(t) || t?.status === 'waiting',
  heartbeatCallback: (t) => running(t) || t?.status === 'waiting',
  countMapItem: (t) => t?.status === 'waiting' && t.map !== undefined,
  cancelWait: (t) => t?.status === 'waiting',
  holdTask: notStarted,
  releaseHold: (t) => t?.held === true,
  resetTask: (t) => t?.status === 'failed' || t?.status === 'succeeded',
  endTask: running,
  flagStopping: running,
  releaseTask: running,
  skipTask: notStarted,
  dispatchCompensation: (t) => t?.status === 'succeeded' && !t.compensation,
  claimCompensation: (t) => t?.compensation !== undefined,
  renewCompensationLease: compensating,
  finishCompensation: compensating,
  retryCompensation: compensating,
  releaseCompensation: compensating,
  countSink: (t) => t?.status === 'succeeded',
  countLastSink: (t) => t?.status === 'succeeded',
};

/**
 * The step with `busy` replaced by a task id, `holder` replaced by the owner and attempt holding the claim (by the last record seen) and
 * `plan` by the task's dependency count.
 */
function resolve(step: Step, reference: ReadonlyMap<string, TaskRecord>): Resolved<Step> {
  const out: Record<string, unknown> = { ...step };
  if (out.taskId === BUSY) {
    const wants = WANTS[step.name] ?? (() => true);
    out.taskId = TASKS.find((id) => wants(reference.get(id))) ?? 'a';
  }
  const task = typeof out.taskId === 'string' ? reference.get(out.taskId) : undefined;
  const holder = COMPENSATION_STEPS.has(step.name) ? task?.compensation : task;
  if (out.owner === HOLDER) out.owner = holder?.owner ?? 'w1';
  if (out.attempt === HOLDER) out.attempt = holder?.attempt ?? 1;
  if (out.token === HOLDER) out.token = task?.callback?.token ?? 't1';
  if (out.depCount === PLAN) out.depCount = out.taskId === 'c' ? 2 : 0;
  return out as Resolved<Step>;
}

function stampedOf(s: { name: string; ev: Extras }, runId: string, lamport: number) {
  return { runId, lamport, event: event(s.name, lamport, s.ev) };
}

/** A step's dispatch time, when it has one: operations carry no undefined fields. */
function dispatchOf(s: { readonly dispatchedAt?: number | undefined }): { dispatchedAt?: number } {
  return s.dispatchedAt === undefined ? {} : { dispatchedAt: s.dispatchedAt };
}

function pick<T extends object, K extends keyof T>(value: T, ...keys: K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((key) => [key, value[key]])) as Pick<T, K>;
}
