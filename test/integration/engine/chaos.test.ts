/**
 * A chaos test of the engine's guarantees on dynalite and fauxqs: fast-check generates small DAGs (tasks
 * that succeed, fail once, or fail for good; compensations that do the same) and a schedule of adversity
 * (a crash at a fault point of some attempt, duplicate deliveries, a purged queue followed by the recovery
 * pass, two workers racing), drives each run to its end, and checks every guarantee on what happened.
 * The seed is fixed (CHAOS_SEED overrides it) and fast-check prints it with the counterexample on failure.
 * It runs on two backends: dynalite + fauxqs, and the embedded SQLite store (CHAOS_DYNAMODB_LOCAL=1 runs
 * the DynamoDB half on DynamoDB Local, Java, instead of dynalite, for a longer hunt).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { catalog, handlers, runCase } from './chaos-driver.ts';
import { type ChaosCase, chaosCase, checkGuarantees } from './chaos-model.ts';
import { type DynamoDbLocal, startDynamoDbLocal } from './dynamodb-local.ts';
import { type Bench, createBench } from './harness.ts';

const endpoints = () => ({ dynamodb: inject('dynamodbEndpoint'), sqs: inject('sqsEndpoint') });

/**
 * Named counterexamples the chaos test finds, kept as regressions. pausedMapRedrive: a redrive refused
 * while an item of the failed map still ran (`redrive.taskBusy`) was taken by the driver for a redrive, so it
 * rolled the run back and expected it to succeed (a driver bug; the engine was right). skipAfterRetry: the
 * rollback skipped an item made ready by a retry since its read, at the retry's own Lamport time (two entries
 * of one item at one time); a skip now needs a later time than the task's. stuckSyncMaps: a reaper with its
 * clock 10 minutes ahead released map items, recording their dispatch at its time; the messages were purged,
 * and the recovery pass waited for that time (the run stalled); a recorded dispatch further ahead than the
 * grace and past its due time is now sent again at once. answeredThenPaused (seed 33): a sync run answered
 * early, then a task failed for good and the run paused at the answer's Lamport time; a pause now needs a
 * later time than the run's and is sent again above it. pausedAgainAfterRedrive: a map's failure recorded
 * while the run was paused came after the redrive had read the run, so the run paused again (a new failure)
 * and the driver, which redrives once, rolled it back; the model expected success (a model bug).
 * pausedWithLostItem (seed 909): a map item's process died while the run was paused; the recovery pass
 * only drove the pause, so the item stayed running and every redrive was refused (`redrive.taskBusy`): the
 * run stalled. A paused run's lost attempts are now released (not sent again).
 * `CHAOS_DUMP=1` prints a regression case's view and history (and a stalled case's history).
 */
const regressions: Readonly<Record<string, ChaosCase>> = {
  pausedWithLostItem: {
    tasks: [
      {
        depBits: 177,
        behaviour: 'transient',
        compensation: null,
        retriesBroken: true,
        when: null,
        sleep: false,
        callback: 'none',
        map: false,
        async: false,
      },
      {
        depBits: 91,
        behaviour: 'ok',
        compensation: 'ok',
        retriesBroken: false,
        when: true,
        sleep: false,
        callback: 'handler',
        map: false,
        async: false,
      },
      {
        depBits: 6,
        behaviour: 'fatal',
        compensation: null,
        retriesBroken: false,
        when: null,
        sleep: false,
        callback: 'handler',
        map: false,
        async: false,
      },
      {
        depBits: 213,
        behaviour: 'ok',
        compensation: null,
        retriesBroken: true,
        when: false,
        sleep: true,
        callback: 'none',
        map: false,
        async: false,
      },
      {
        depBits: 128,
        behaviour: 'fatal',
        compensation: null,
        retriesBroken: false,
        when: null,
        sleep: false,
        callback: 'none',
        map: true,
        async: false,
      },
      {
        depBits: 96,
        behaviour: 'transient',
        compensation: 'transient',
        retriesBroken: true,
        when: null,
        sleep: false,
        callback: 'none',
        map: false,
        async: true,
      },
      {
        depBits: 114,
        behaviour: 'ok',
        compensation: null,
        retriesBroken: true,
        when: false,
        sleep: true,
        callback: 'none',
        map: false,
        async: false,
      },
      {
        depBits: 132,
        behaviour: 'ok',
        compensation: null,
        retriesBroken: true,
        when: null,
        sleep: false,
        callback: 'none',
        map: false,
        async: false,
      },
    ],
    crash: { point: 'afterHandler', task: 4, occurrence: 2 },
    purge: true,
    race: false,
    duplicates: [true, true, false, true, true, false, true, true],
    lambdaDeadlines: [false, false, true, true, false],
    zombie: false,
    skewAt: null,
    eagerReaper: true,
    cancelAt: null,
    deadlineAt: null,
    pause: 'redrive',
    sync: true,
  },
  answeredThenPaused: {
    tasks: [
      {
        depBits: 169,
        behaviour: 'ok',
        compensation: null,
        retriesBroken: false,
        when: false,
        sleep: false,
        callback: 'none',
        map: true,
        async: false,
      },
      {
        depBits: 171,
        behaviour: 'fatal',
        compensation: null,
        retriesBroken: false,
        when: null,
        sleep: false,
        callback: 'none',
        map: false,
        async: false,
      },
      {
        depBits: 200,
        behaviour: 'fatal',
        compensation: null,
        retriesBroken: true,
        when: null,
        sleep: false,
        callback: 'none',
        map: false,
        async: true,
      },
      {
        depBits: 100,
        behaviour: 'ok',
        compensation: null,
        retriesBroken: true,
        when: null,
        sleep: false,
        callback: 'none',
        map: false,
        async: false,
      },
    ],
    crash: { point: 'afterCheckpoint', task: 6, occurrence: 2 },
    purge: true,
    race: false,
    duplicates: [true, false, false, true, false, false, false, false],
    lambdaDeadlines: [false, false, true, false, false],
    zombie: false,
    skewAt: null,
    eagerReaper: false,
    cancelAt: null,
    deadlineAt: null,
    pause: 'redrive',
    sync: true,
  },
  pausedAgainAfterRedrive: {
    tasks: [
      {
        depBits: 255,
        behaviour: 'ok',
        compensation: null,
        retriesBroken: true,
        when: null,
        sleep: true,
        callback: 'none',
        map: false,
        async: false,
      },
      {
        depBits: 3,
        behaviour: 'fatal',
        compensation: null,
        retriesBroken: true,
        when: null,
        sleep: false,
        callback: 'none',
        map: true,
        async: true,
      },
      {
        depBits: 9,
        behaviour: 'ok',
        compensation: null,
        retriesBroken: false,
        when: null,
        sleep: false,
        callback: 'none',
        map: false,
        async: false,
      },
      {
        depBits: 21,
        behaviour: 'fatal',
        compensation: null,
        retriesBroken: true,
        when: null,
        sleep: false,
        callback: 'none',
        map: false,
        async: false,
      },
      {
        depBits: 72,
        behaviour: 'transient',
        compensation: null,
        retriesBroken: true,
        when: null,
        sleep: false,
        callback: 'none',
        map: false,
        async: false,
      },
    ],
    crash: { point: 'afterCompensationHandler', task: 0, occurrence: 2 },
    purge: true,
    race: false,
    duplicates: [false, true, true, false, false, false, true, false],
    lambdaDeadlines: [false, true, true, false, false],
    zombie: true,
    skewAt: null,
    eagerReaper: false,
    cancelAt: null,
    deadlineAt: null,
    pause: 'redrive',
    sync: false,
  },
  stuckSyncMaps: {
    tasks: [
      {
        depBits: 8,
        behaviour: 'ok',
        compensation: null,
        retriesBroken: false,
        when: null,
        sleep: false,
        callback: 'none',
        map: false,
        async: false,
      },
      {
        depBits: 69,
        behaviour: 'ok',
        compensation: null,
        retriesBroken: false,
        when: false,
        sleep: false,
        callback: 'none',
        map: false,
        async: false,
      },
      {
        depBits: 37,
        behaviour: 'ok',
        compensation: null,
        retriesBroken: true,
        when: null,
        sleep: false,
        callback: 'none',
        map: true,
        async: true,
      },
      {
        depBits: 207,
        behaviour: 'transient',
        compensation: null,
        retriesBroken: false,
        when: false,
        sleep: false,
        callback: 'none',
        map: false,
        async: false,
      },
      {
        depBits: 213,
        behaviour: 'ok',
        compensation: 'ok',
        retriesBroken: false,
        when: null,
        sleep: false,
        callback: 'wait',
        map: false,
        async: false,
      },
      {
        depBits: 131,
        behaviour: 'ok',
        compensation: 'ok',
        retriesBroken: true,
        when: true,
        sleep: false,
        callback: 'none',
        map: true,
        async: true,
      },
    ],
    crash: { point: 'afterCheckpoint', task: 5, occurrence: 1 },
    purge: true,
    race: false,
    duplicates: [true, false, false, false, false, true, false, true],
    lambdaDeadlines: [true, false, false, false, true],
    zombie: false,
    skewAt: 4,
    eagerReaper: false,
    cancelAt: null,
    deadlineAt: null,
    pause: null,
    sync: true,
  },
  skipAfterRetry: {
    tasks: [
      {
        depBits: 7,
        behaviour: 'ok',
        compensation: null,
        retriesBroken: false,
        when: null,
        sleep: false,
        callback: 'none',
        map: false,
        async: false,
      },
      {
        depBits: 250,
        behaviour: 'fatal',
        compensation: null,
        retriesBroken: true,
        when: null,
        sleep: false,
        callback: 'none',
        map: true,
        async: false,
      },
      {
        depBits: 253,
        behaviour: 'ok',
        compensation: 'ok',
        retriesBroken: true,
        when: true,
        sleep: false,
        callback: 'none',
        map: false,
        async: false,
      },
      {
        depBits: 183,
        behaviour: 'ok',
        compensation: 'ok',
        retriesBroken: false,
        when: null,
        sleep: false,
        callback: 'none',
        map: false,
        async: false,
      },
      {
        depBits: 179,
        behaviour: 'ok',
        compensation: null,
        retriesBroken: true,
        when: true,
        sleep: true,
        callback: 'none',
        map: false,
        async: true,
      },
      {
        depBits: 1,
        behaviour: 'ok',
        compensation: null,
        retriesBroken: true,
        when: null,
        sleep: false,
        callback: 'none',
        map: false,
        async: false,
      },
      {
        depBits: 155,
        behaviour: 'ok',
        compensation: null,
        retriesBroken: true,
        when: null,
        sleep: false,
        callback: 'none',
        map: true,
        async: false,
      },
    ],
    crash: { point: 'afterEdgeClaim', task: 6, occurrence: 1 },
    purge: false,
    race: true,
    duplicates: [false, true, true, true, true, false, false, true],
    lambdaDeadlines: [false, false, false, false, false],
    zombie: false,
    skewAt: null,
    eagerReaper: false,
    cancelAt: 3,
    deadlineAt: 2,
    pause: null,
    sync: false,
  },
  pausedMapRedrive: {
    tasks: [
      {
        depBits: 224,
        behaviour: 'ok',
        compensation: null,
        retriesBroken: false,
        when: null,
        sleep: false,
        callback: 'handler',
        map: false,
        async: false,
      },
      {
        depBits: 200,
        behaviour: 'ok',
        compensation: null,
        retriesBroken: true,
        when: true,
        sleep: true,
        callback: 'none',
        map: false,
        async: false,
      },
      {
        depBits: 55,
        behaviour: 'ok',
        compensation: 'fatal',
        retriesBroken: false,
        when: false,
        sleep: false,
        callback: 'none',
        map: false,
        async: false,
      },
      {
        depBits: 53,
        behaviour: 'ok',
        compensation: null,
        retriesBroken: true,
        when: false,
        sleep: false,
        callback: 'none',
        map: true,
        async: false,
      },
      {
        depBits: 228,
        behaviour: 'ok',
        compensation: 'ok',
        retriesBroken: true,
        when: null,
        sleep: false,
        callback: 'none',
        map: false,
        async: false,
      },
      {
        depBits: 173,
        behaviour: 'fatal',
        compensation: null,
        retriesBroken: true,
        when: null,
        sleep: false,
        callback: 'none',
        map: true,
        async: false,
      },
    ],
    crash: { point: 'afterStop', task: 3, occurrence: 2 },
    purge: false,
    race: false,
    duplicates: [true, false, false, false, false, true, false, true],
    lambdaDeadlines: [false, true, true, false, true],
    zombie: false,
    skewAt: 5,
    eagerReaper: true,
    cancelAt: null,
    deadlineAt: null,
    pause: 'redrive',
    sync: false,
  },
};

const backends = [
  { name: 'dynamodb', sqlite: false },
  { name: 'sqlite', sqlite: true },
] as const;

describe.each(backends)('engine chaos on $name', ({ sqlite }) => {
  let bench: Bench;
  let cases = 0;
  const tally = {
    crashed: 0,
    failed: 0,
    compensated: 0,
    incomplete: 0,
    takenOver: 0,
    retried: 0,
    fenced: 0,
    cancelled: 0,
    timedOut: 0,
    calledBack: 0,
    redriven: 0,
    mapKept: 0,
    answeredEarly: 0,
  };
  let local: DynamoDbLocal | undefined;
  beforeAll(async () => {
    if (sqlite) {
      bench = await createBench({ kind: 'sqlite' }, catalog, handlers);
      return;
    }
    if (process.env.CHAOS_DYNAMODB_LOCAL) local = await startDynamoDbLocal();
    const dynamodb = local?.endpoint ?? endpoints().dynamodb;
    bench = await createBench({ ...endpoints(), dynamodb }, catalog, handlers);
  }, 90_000);
  afterAll(async () => {
    await local?.close();
  });

  for (const [name, spec] of Object.entries(regressions)) {
    it(`keeps its guarantees in the regression case ${name}`, async () => {
      const { view, history, trace } = await runCase(bench, `regression-${name}`, spec);
      if (process.env.CHAOS_DUMP) console.log(JSON.stringify({ view, history }, null, 1));
      checkGuarantees(spec, view, history, trace);
    });
  }

  // CHAOS_RUNS and CHAOS_SEED let a longer hunt run from the command line
  const runs = Number(process.env.CHAOS_RUNS ?? 120);
  it(
    'keeps every guarantee under crashes, duplicates, a purged queue and racing workers',
    async () => {
      const seed = Number(process.env.CHAOS_SEED ?? 20261127);
      await fc.assert(
        fc.asyncProperty(chaosCase, async (spec) => {
          cases += 1;
          const { view, history, trace, crashed } = await runCase(bench, `chaos-${cases}`, spec);
          checkGuarantees(spec, view, history, trace);
          tally.crashed += crashed ? 1 : 0;
          tally.failed += view.status === 'failed' ? 1 : 0;
          tally.compensated += view.rollback === 'completed' ? 1 : 0;
          tally.incomplete += view.rollback === 'incomplete' ? 1 : 0;
          tally.takenOver += history.some((e) => e.type.endsWith('.takenOver')) ? 1 : 0;
          tally.retried += history.some((e) => e.type.endsWith('.retrying')) ? 1 : 0;
          tally.fenced += trace.fenced > 0 ? 1 : 0;
          tally.cancelled += view.status === 'cancelled' ? 1 : 0;
          tally.timedOut += view.error?.name === 'WorkflowTimeout' ? 1 : 0;
          tally.calledBack += trace.acceptedTokens.size > 0 ? 1 : 0;
          tally.redriven += trace.redriven && view.status === 'succeeded' ? 1 : 0;
          // a redrive kept the succeeded items of a map that failed
          // a sync run answered before its async tasks ended
          tally.answeredEarly += view.answered !== undefined ? 1 : 0;
          tally.mapKept += history.some((e) => e.type === 'task.waiting' && e.detail?.kept !== undefined)
            ? 1
            : 0;
        }),
        { seed, numRuns: runs, endOnFailure: true },
      );
      if (process.env.CHAOS_VERBOSE) console.log(cases, tally);
      // the generator's schedule really was adverse: each kind of trouble happened in some case (asserted
      // for the fixed seed; a hunt with another seed checks the guarantees and names what it never hit)
      const missed = Object.entries(tally).filter(([, count]) => count === 0);
      if (process.env.CHAOS_SEED === undefined) {
        for (const [what, count] of missed) expect(count, what).toBeGreaterThan(0);
      } else if (missed.length > 0) {
        console.warn(`seed ${seed}: no case with ${missed.map(([what]) => what).join(', ')}`);
      }
    },
    Math.max(120_000, runs * 1_000),
  );
});
