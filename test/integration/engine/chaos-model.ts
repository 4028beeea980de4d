/**
 * The chaos test's model: the cases fast-check generates (a small DAG, each task's and compensation's
 * behaviour, a schedule of adversity), the workflow file of a case, and the guarantees checked on its end.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import type { FaultPoint } from '../../../src/runtime/index.ts';
import type { HistoryEvent, RunView } from '../../../src/runtime/types.ts';

/** What a handler does: succeed, fail once (a retried `Flaky`), or fail for good (`Broken`). */
export type Behaviour = 'ok' | 'transient' | 'fatal';

export interface TaskSpec {
  /** Dependencies among the earlier tasks, as bits of their indexes. */
  readonly depBits: number;
  readonly behaviour: Behaviour;
  readonly compensation: Behaviour | null;
  /** Whether a `Broken` error is retried (once) before the task fails for good. */
  readonly retriesBroken: boolean;
  /** A `when:` on the task that holds (true), does not (false), or none (null). */
  readonly when: boolean | null;
  /** A sleep (`sleep: 1ms`) instead of a handler: it parks, wakes and succeeds (behaviour `ok`, no compensation). */
  readonly sleep: boolean;
  /**
   * A callback task: `wait` has no handler, `handler` runs `run` first (which then always returns); the
   * behaviour is its completions' (an output, a `Flaky` error once, or `Broken`), sent by the driver.
   */
  readonly callback: 'none' | 'wait' | 'handler';
  /**
   * A map over three items, two at once (not with a sleep or a callback): each item behaves as the task's
   * behaviour says, but only the middle one fails for good (so a redrive keeps the others), and each is
   * compensated on its own.
   */
  readonly map: boolean;
  /** In a sync case, `mode: async`: off the critical path, through the queue, not waited for. */
  readonly async: boolean;
}

/** The items of a map task in a case. */
export const MAP_ITEMS = 3;

export interface Crash {
  readonly point: FaultPoint;
  /** Index of the task (modulo the task count) whose site crashes; runs-level points ignore it. */
  readonly task: number;
  /** The crash happens the n-th time the point is reached on that site. */
  readonly occurrence: number;
}

export interface ChaosCase {
  readonly tasks: readonly TaskSpec[];
  readonly crash: Crash | null;
  /** After the crash, every SQS message is deleted before the recovery pass. */
  readonly purge: boolean;
  /** A second worker handles every message at the same time as the first. */
  readonly race: boolean;
  /** Per delivery (cyclically): handle the message a second time after the first. */
  readonly duplicates: readonly boolean[];
  /**
   * Per delivery (cyclically): the worker is at its Lambda deadline, so it continues nothing itself and
   * sends what its task makes ready through the queue.
   */
  readonly lambdaDeadlines: readonly boolean[];
  /** After the crash the dead process's attempts run on (a process frozen, then back) instead of dying. */
  readonly zombie: boolean;
  /** At this handler call (1-based), a reaper whose clock is 10 minutes ahead takes the attempt over. */
  readonly skewAt: number | null;
  /** The recovery pass runs alongside every batch, not only when the queue is idle. */
  readonly eagerReaper: boolean;
  /** At this handler call (1-based), another process cancels the run. */
  readonly cancelAt: number | null;
  /** At this handler call (1-based), the run's deadline (workflow timeout) arrives, already past. */
  readonly deadlineAt: number | null;
  /**
   * `on_failure: pause`, and what the driver does with the paused run: redrive it with an input that makes
   * every `Broken` task succeed (`fixed: true`), or roll it back. Null: the workflow rolls back at once.
   */
  readonly pause: 'redrive' | 'rollback' | null;
  /**
   * `mode: sync`: the run is submitted with `run`, so the submitting process runs its critical path itself
   * (its tasks with `async` go through the queue) while the driver handles the queue beside it.
   */
  readonly sync: boolean;
}

const POINTS: readonly FaultPoint[] = [
  'afterSubmit',
  'afterClaim',
  'afterEdgeClaim',
  'afterEdgeHeld',
  'afterHandler',
  'afterCheckpoint',
  'afterSkip',
  'afterCallback',
  'afterRedrive',
  'beforeDispatch',
  'afterStop',
  'afterCompensationClaim',
  'afterCompensationHandler',
  'afterMapStart',
  'afterMapCount',
];

const behaviour = fc.oneof(
  { weight: 6, arbitrary: fc.constant<Behaviour>('ok') },
  { weight: 2, arbitrary: fc.constant<Behaviour>('transient') },
  { weight: 1, arbitrary: fc.constant<Behaviour>('fatal') },
);

export const chaosCase: fc.Arbitrary<ChaosCase> = fc.record({
  tasks: fc.array(
    fc
      .record({
        depBits: fc.nat(255),
        behaviour,
        compensation: fc.option(behaviour, { freq: 2 }),
        retriesBroken: fc.boolean(),
        when: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.boolean() }),
        sleep: fc.oneof(
          { weight: 6, arbitrary: fc.constant(false) },
          { weight: 1, arbitrary: fc.constant(true) },
        ),
        callback: fc.oneof(
          { weight: 8, arbitrary: fc.constant<TaskSpec['callback']>('none') },
          { weight: 1, arbitrary: fc.constant<TaskSpec['callback']>('wait') },
          { weight: 1, arbitrary: fc.constant<TaskSpec['callback']>('handler') },
        ),
        map: fc.oneof(
          { weight: 5, arbitrary: fc.constant(false) },
          { weight: 1, arbitrary: fc.constant(true) },
        ),
        async: fc.oneof(
          { weight: 3, arbitrary: fc.constant(false) },
          { weight: 1, arbitrary: fc.constant(true) },
        ),
      })
      .map(
        (task): TaskSpec =>
          task.sleep
            ? { ...task, behaviour: 'ok', compensation: null, callback: 'none', map: false }
            : task.callback !== 'none'
              ? { ...task, map: false }
              : task,
      ),
    { minLength: 2, maxLength: 8 },
  ),
  crash: fc.option(
    fc.record({
      point: fc.constantFrom(...POINTS),
      task: fc.nat(7),
      occurrence: fc.integer({ min: 1, max: 2 }),
    }),
    { freq: 10 },
  ),
  purge: fc.boolean(),
  race: fc.boolean(),
  duplicates: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
  lambdaDeadlines: fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
  zombie: fc.boolean(),
  skewAt: fc.option(fc.integer({ min: 1, max: 8 }), { freq: 3 }),
  eagerReaper: fc.boolean(),
  cancelAt: fc.oneof(
    { weight: 3, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 8 }) },
  ),
  deadlineAt: fc.oneof(
    { weight: 4, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 8 }) },
  ),
  pause: fc.oneof(
    { weight: 2, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.constantFrom<'redrive' | 'rollback'>('redrive', 'rollback') },
  ),
  sync: fc.oneof({ weight: 2, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
});

/** The id of task `i`. */
export const id = (i: number) => `t${i}`;

/** Whether task `i` of a case is a map. */
export function isMap(spec: ChaosCase, i: number): boolean {
  return spec.tasks[i]?.map === true;
}

/** The item of a map that fails for good when its task's behaviour is `fatal`: the others succeed. */
export const FATAL_ITEM = 1;

/** The record ids of task `i`'s work: its own, or its map's items. */
export function workOf(spec: ChaosCase, i: number): string[] {
  return isMap(spec, i) ? Array.from({ length: MAP_ITEMS }, (_, k) => `${id(i)}[${k}]`) : [id(i)];
}

/** The deps of task `i`: the earlier tasks whose bit is set. */
export function depsOf(spec: ChaosCase, i: number): number[] {
  const task = spec.tasks[i];
  return task ? [...Array(i).keys()].filter((j) => (task.depBits >> j) & 1) : [];
}

/** The workflow file of a case: every task runs the handler `run`, compensations `undo`. */
export function workflowYaml(name: string, spec: ChaosCase): string {
  const lines = [
    'workflow:',
    `  name: ${name}`,
    ...(spec.deadlineAt === null ? [] : ['  timeout: 1h']),
    ...(spec.pause === null ? [] : ['  on_failure: pause']),
    ...(spec.sync ? ['  mode: sync'] : []),
    '  tasks:',
  ];
  spec.tasks.forEach((task, i) => {
    lines.push(`    - id: ${id(i)}`);
    const deps = depsOf(spec, i);
    if (deps.length > 0) lines.push(`      deps: [${deps.map(id).join(', ')}]`);
    if (isMap(spec, i)) lines.push(`      map: { items: '[1, 2, 3]', max_concurrency: 2 }`);
    if (spec.sync && task.async) lines.push('      mode: async');
    if (task.sleep) {
      // a timer that parks the task and wakes it at once: the path through the store, without the wait
      lines.push('      sleep: 1ms');
    } else {
      if (task.callback !== 'wait') lines.push(`      handler: run`);
      if (task.callback !== 'none') lines.push('      callback: {}');
      const retryOn = task.retriesBroken ? '[Flaky, Broken]' : '[Flaky]';
      lines.push(`      retry_policy: {max_attempts: 2, backoff: 0ms, retry_on: ${retryOn}}`);
      if (task.compensation) lines.push('      compensation: undo');
    }
    // the run's input holds `case`, a string: the condition's outcome is the spec's
    if (task.when !== null) lines.push(`      when: ${task.when ? '$exists(input.case)' : 'input.case = 0'}`);
  });
  return lines.join('\n');
}

/** What the handlers saw during one case. */
export interface Trace {
  readonly spec: ChaosCase;
  /** A counter ordering the compensation calls' starts and ends. */
  seq: number;
  readonly taskCalls: Map<string, number>;
  readonly compCalls: Map<string, { start: number; end: number }[]>;
  /** Tasks whose checkpoint a worker saw succeed, and how many times. */
  readonly checkpoints: Map<string, number>;
  readonly violations: string[];
  /** Checkpoints refused to a stale attempt (fencing at work). */
  fenced: number;
  /** Handler calls so far (tasks and compensations). */
  calls: number;
  /** Whether the run's cancellation was requested. */
  cancelRequested: boolean;
  /** Whether the run's deadline arrived (past) while it was in progress. */
  deadlinePassed: boolean;
  /** Whether the driver redrove the paused run with `fixed: true` (every `Broken` task then succeeds). */
  redriven: boolean;
  /** Completions sent per callback task, and those accepted per token (one at most). */
  readonly completions: Map<string, number>;
  readonly acceptedTokens: Map<string, number>;
  /** Taken-over attempts waiting for their successor to start, by handler (`task:t1`, `compensation:t1`). */
  readonly zombies: Map<string, () => void>;
  readonly runId: string;
}

/**
 * The tasks a run skips by its conditions, whatever else happens: a false `when`, or every dependency
 * skipped (a task with a dependency that ran evaluates its own `when`).
 */
export function skippedByConditions(spec: ChaosCase): Set<number> {
  const skipped = new Set<number>();
  spec.tasks.forEach((task, i) => {
    const deps = depsOf(spec, i);
    if ((deps.length > 0 && deps.every((d) => skipped.has(d))) || task.when === false) skipped.add(i);
  });
  return skipped;
}

/** Every task reachable from `i` along dependents (excluding `i`). */
function descendants(spec: ChaosCase, i: number): Set<number> {
  const found = new Set<number>();
  const visit = (k: number) => {
    spec.tasks.forEach((_, j) => {
      if (!found.has(j) && depsOf(spec, j).includes(k)) {
        found.add(j);
        visit(j);
      }
    });
  };
  visit(i);
  return found;
}

/** Checks every guarantee on a finished case; throws (through expect) at the first broken one. */
export function checkGuarantees(
  spec: ChaosCase,
  view: RunView,
  history: readonly HistoryEvent[],
  trace: Trace,
) {
  expect(trace.violations).toEqual([]);
  // a callback token completes its attempt once, however many completions raced or repeated
  for (const [token, accepted] of trace.acceptedTokens) expect(accepted, `token ${token}`).toBe(1);
  const n = spec.tasks.length;
  const events = (type: string, taskId: string) =>
    history.filter((e) => e.type === type && e.taskId === taskId);

  // history: strictly ordered by (Lamport time, task id), no duplicate pair
  for (let k = 1; k < history.length; k += 1) {
    const [a, b] = [history[k - 1], history[k]];
    if (!a || !b) continue;
    const ordered = a.lamport < b.lamport || (a.lamport === b.lamport && (a.taskId ?? '') < (b.taskId ?? ''));
    expect(ordered, `history out of order or duplicated at ${JSON.stringify([a, b])}`).toBe(true);
  }

  // each task checkpointed at most once
  const succeeded = new Set<number>();
  for (let i = 0; i < n; i += 1) {
    const checkpoints = events('task.succeeded', id(i)).length;
    expect(checkpoints, `${id(i)} checkpoints`).toBeLessThanOrEqual(1);
    expect(trace.checkpoints.get(id(i)) ?? 0, `${id(i)} checkpoints seen by workers`).toBeLessThanOrEqual(1);
    if (checkpoints === 1) succeeded.add(i);
    if (!isMap(spec, i)) continue;
    for (const item of workOf(spec, i)) {
      expect(events('task.succeeded', item).length, `${item} checkpoints`).toBeLessThanOrEqual(1);
      expect(trace.checkpoints.get(item) ?? 0, `${item} checkpoints seen by workers`).toBeLessThanOrEqual(1);
    }
  }

  // a task the rollback skipped never starts: once the rollback decided it needs no undoing, nothing runs it
  for (const key of spec.tasks.flatMap((_, i) => [...new Set([id(i), ...workOf(spec, i)])])) {
    const skipped = events('task.skipped', key)[0];
    if (!skipped) continue;
    const later = history.filter((e) => e.taskId === key && e.lamport > skipped.lamport);
    expect(later, `${key} ran after it was skipped`).toEqual([]);
  }

  // causality: a task is claimed only after each dependency's checkpoint (or skip by its condition)
  for (let i = 0; i < n; i += 1) {
    // a map's items too: none is claimed before the map's dependencies ended
    const claims = [id(i), ...(isMap(spec, i) ? workOf(spec, i) : [])].flatMap((key) =>
      events('task.claimed', key),
    );
    for (const claim of claims) {
      for (const dep of depsOf(spec, i)) {
        const ended = [...events('task.succeeded', id(dep)), ...events('task.skipped', id(dep))][0];
        expect(ended, `${id(i)} claimed before ${id(dep)} succeeded or was skipped`).toBeDefined();
        expect(ended?.lamport ?? Number.POSITIVE_INFINITY).toBeLessThan(claim.lamport);
      }
    }
  }

  // conditions: a task its conditions skip never runs its handler and never succeeds
  const bySkip = skippedByConditions(spec);
  for (const i of bySkip) {
    expect(trace.taskCalls.has(id(i)), `${id(i)} ran though its conditions skip it`).toBe(false);
    expect(succeeded.has(i), `${id(i)} succeeded though its conditions skip it`).toBe(false);
  }

  // a redrive with the fixed input makes a Broken task succeed: the run then goes on as if none was;
  // unless an attempt that was already running with the broken input when the run paused fails after the
  // redrive (a new failure: the run pauses again, and the driver, which redrives once, rolls it back)
  const redriven = history.findLastIndex((e) => e.type === 'run.redriven');
  const pausedAgain = redriven >= 0 && history.slice(redriven).some((e) => e.type === 'run.paused');
  const fatal =
    (!trace.redriven || pausedAgain) && spec.tasks.some((t, i) => t.behaviour === 'fatal' && !bySkip.has(i));
  // nothing stopped the run: every task ran (or was skipped by its conditions), nothing was undone
  if (!fatal && !trace.cancelRequested && !trace.deadlinePassed) expect(view.status).toBe('succeeded');
  if (view.status === 'succeeded') {
    expect(fatal).toBe(false);
    expect(view.rollback).toBe('none');
    for (let i = 0; i < n; i += 1) {
      expect(view.tasks[id(i)]?.status, id(i)).toBe(bySkip.has(i) ? 'skipped' : 'succeeded');
    }
    expect(trace.compCalls.size).toBe(0);
    return;
  }

  // stopped by the failure, the deadline or the cancel, whichever came first
  if (view.status === 'failed' && view.error?.name === 'WorkflowTimeout') {
    expect(trace.deadlinePassed).toBe(true);
  } else if (view.status === 'failed') {
    expect(fatal, 'a failed run had a task failing for good').toBe(true);
    // a map whose items fail for good fails with MapFailed, naming them
    const fatalMap = spec.tasks.some((t, i) => t.behaviour === 'fatal' && isMap(spec, i));
    expect(fatalMap ? ['Broken', 'MapFailed'] : ['Broken']).toContain(view.error?.name);
  } else {
    expect(view.status).toBe('cancelled');
    expect(trace.cancelRequested).toBe(true);
    expect(view.error?.name).toBe('RunCancelled');
  }
  let compensated = 0;
  let compensationFailed = 0;
  // a sync run answered early keeps what its answer reported final: a later stop undoes only the pending
  const pending = view.answered ? new Set(view.answered.pending) : undefined;
  if (pending) expect(spec.sync, 'an async run was answered early').toBe(true);
  for (let i = 0; i < n; i += 1) {
    const task = spec.tasks[i];
    const status = view.tasks[id(i)]?.status;
    if (!task) continue;
    if (pending && !pending.has(id(i))) {
      expect(['succeeded', 'skipped'], `${id(i)} was final at the answer`).toContain(status);
      for (const work of workOf(spec, i)) {
        expect(trace.compCalls.has(work), `${work} was compensated after the answer reported it`).toBe(false);
      }
      continue;
    }
    // a task that started had every dependency checkpointed (or skipped by its conditions)
    if (status !== 'skipped' && status !== 'pending') {
      for (const dep of depsOf(spec, i))
        expect(succeeded.has(dep) || bySkip.has(dep), `${id(i)} ran before ${id(dep)}`).toBe(true);
    }
    if (status === 'failed') expect(task.behaviour, `${id(i)} failed`).toBe('fatal');
    if (task.behaviour === 'fatal' && !trace.redriven) {
      expect(['failed', 'skipped', 'cancelled']).toContain(status);
    }
    if (isMap(spec, i)) {
      // a map's status is its own; its items are undone one by one, whether the map succeeded or not
      expect(succeeded.has(i) ? ['succeeded'] : ['failed', 'skipped', 'cancelled'], id(i)).toContain(status);
      for (const item of workOf(spec, i)) {
        const done = events('task.succeeded', item).length === 1;
        if (!done || !task.compensation) {
          expect(trace.compCalls.has(item) && !done, `${item} was compensated without succeeding`).toBe(
            false,
          );
          continue;
        }
        const finals = [...events('compensation.succeeded', item), ...events('compensation.failed', item)];
        expect(finals, `${item}'s compensation outcomes`).toHaveLength(1);
        if (task.compensation === 'fatal') compensationFailed += 1;
        else compensated += 1;
        checkReverseOrder(spec, trace, i, item);
      }
      continue;
    }
    if (!succeeded.has(i)) {
      // a wait for a callback that the rollback ended is cancelled
      const ends = task.callback === 'none' ? ['failed', 'skipped'] : ['failed', 'skipped', 'cancelled'];
      expect(ends, `${id(i)} never succeeded`).toContain(status);
      expect(trace.compCalls.has(id(i)), `${id(i)} was compensated without succeeding`).toBe(false);
      continue;
    }
    if (!task.compensation) {
      expect(status, id(i)).toBe('succeeded');
      continue;
    }
    // compensated once: one final record, the status its behaviour leads to
    const finals = [...events('compensation.succeeded', id(i)), ...events('compensation.failed', id(i))];
    expect(finals, `${id(i)}'s compensation outcomes`).toHaveLength(1);
    expect(status, id(i)).toBe(task.compensation === 'fatal' ? 'compensation_failed' : 'compensated');
    if (task.compensation === 'fatal') compensationFailed += 1;
    else compensated += 1;
    checkReverseOrder(spec, trace, i, id(i));
  }
  const expected = compensationFailed > 0 ? 'incomplete' : compensated > 0 ? 'completed' : 'none';
  expect(view.rollback).toBe(expected);
}

/**
 * Reverse order: the compensation of `key` (task `i`, or one of its map's items) started after every
 * succeeded dependent's compensation ended (its last call, the one recorded: an earlier call taken over
 * from a frozen process may still be running, fenced off).
 */
function checkReverseOrder(spec: ChaosCase, trace: Trace, i: number, key: string): void {
  const first = Math.min(...(trace.compCalls.get(key) ?? []).map((c) => c.start));
  for (const d of descendants(spec, i)) {
    for (const work of workOf(spec, d)) {
      const calls = trace.compCalls.get(work) ?? [];
      for (const call of calls) {
        expect(call.start, `${key}'s compensation started before ${work}'s`).toBeLessThan(first);
      }
      const last = calls.at(-1);
      if (last) expect(last.end, `${key}'s compensation started before ${work}'s ended`).toBeLessThan(first);
    }
  }
}
