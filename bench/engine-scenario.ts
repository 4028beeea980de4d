/**
 * One engine benchmark scenario: submits `runs` runs of a workflow, at most `concurrency` in flight (a new
 * one is submitted as each finishes), while the counters count; then, with counting paused, reads every run
 * back to check it succeeded and to take dispatch latencies from its history.
 */
import type { HistoryEvent, Json, RunView } from '../src/runtime/index.ts';
import type { Plan } from '../src/workflow/plan.ts';
import { type Part, startCpuSplit } from './cpu-split.ts';
import type { EngineStack } from './engine-stack.ts';
import { historyLatencies } from './history-latency.ts';

export interface ScenarioSpec {
  /** Row name in the table. */
  readonly name: string;
  readonly plan: Plan;
  readonly runs: number;
  /** Runs in flight at a time. */
  readonly concurrency: number;
  readonly input: Json;
  /**
   * More work is offered than the worker takes at once, so tasks wait in the queue by design: throughput
   * is measured, and the latency target (which holds when not saturated) does not apply.
   */
  readonly saturates: boolean;
  /** Submit through `Runtime.run` (a `mode: sync` plan: the submitting process runs the tasks). */
  readonly sync?: boolean;
  /** Target: requests per task (DynamoDB and SQS, every kind) at most this many; none when absent. */
  readonly requestBudget?: number;
}

/** What one scenario measured: raw counts, the caller derives the figures. */
export interface ScenarioMeasurement {
  readonly spec: ScenarioSpec;
  readonly elapsedMs: number;
  /** CPU (user + system, every thread of this process) used by the runs, in ms. */
  readonly cpuMs: number;
  /** CPU the emulators' own process used (from the start of counting to its end), when they have one. */
  readonly emulatorCpuMs?: number;
  /** Event-loop utilisation while the runs were in flight: 1 means the loop never waited for I/O. */
  readonly eventLoopUtilisation: number;
  /** Requests by `service:Operation` (SDK middleware). */
  readonly requests: Readonly<Record<string, number>>;
  readonly dynamodbReads: number;
  readonly dynamodbWrites: number;
  /** Capacity units DynamoDB reported (item operations), and writes that reported none. */
  readonly dynamodbReadUnits: number;
  readonly dynamodbWriteUnits: number;
  readonly dynamodbWritesWithoutUnits: number;
  readonly sqsRequests: number;
  /** HTTP requests the emulators received, for the cross-check. */
  readonly serverDynamodb: number;
  readonly serverSqs: number;
  /** Requests that failed with no HTTP response (left out of the counts; the SDK retries them). */
  readonly unansweredDynamodb: number;
  readonly unansweredSqs: number;
  /** Engine's `schedulingLatency` hook, ms. */
  readonly hookLatencies: readonly number[];
  /** From the runs' histories: last dependency's `task.succeeded` to the dependent's first `task.claimed`, ms. */
  readonly historyLatencies: readonly number[];
  readonly casAttempts: Readonly<Record<string, number>>;
  readonly casConflicts: Readonly<Record<string, number>>;
  readonly runsByStatus: Readonly<Record<string, number>>;
  readonly pollerErrors: number;
  /** CPU ms by part of the process, when profiled. */
  readonly cpuSplitMs?: Readonly<Record<Part, number>>;
  /** Every run's history (with `keepHistories`). */
  readonly histories?: readonly RunHistory[];
}

/** One run's history, as `runtime.history` gives it. */
export interface RunHistory {
  readonly runId: string;
  readonly events: readonly HistoryEvent[];
}

/** Time left after the last run finishes for the worker to delete its message, before counting stops. */
const SETTLE_MS = 250;
/** No run finished for this long: the scenario is stuck; fail loudly instead of hanging. */
const STALL_MS = 60_000;

/** Runs `spec` on `stack` and returns what it measured. Counting is paused again on return. */
export async function runScenario(
  stack: EngineStack,
  spec: ScenarioSpec,
  options: {
    readonly profile?: boolean;
    /** Called once every run has finished, before anything is read back (the chaos benchmark lifts its delay). */
    readonly onRunsDone?: () => void;
    /** Returns the runs' histories as well. */
    readonly keepHistories?: boolean;
  } = {},
): Promise<ScenarioMeasurement> {
  const { counter, emulators, observed } = stack;
  observed.latencies.length = 0;
  observed.runsFinished.clear();
  observed.runDurations.length = 0;
  observed.casAttempts.clear();
  observed.casConflicts.clear();
  const errorsBefore = stack.errors.length;
  counter.reset();
  await emulators.startCounting();
  counter.resume();
  const stopProfile = options.profile ? await startCpuSplit() : undefined;
  const cpuBefore = process.cpuUsage();
  const eluBefore = performance.eventLoopUtilization();
  const started = performance.now();
  const runIds = await submitAndWait(stack, spec);
  const elapsedMs = performance.now() - started;
  options.onRunsDone?.();
  const elu = performance.eventLoopUtilization(eluBefore);
  const cpuSplitMs = await stopProfile?.();
  // the worker deletes a message after its handler returns, and the run finishes inside the handler
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  // measured over the same span as the emulators' process, when they have one
  const cpu = process.cpuUsage(cpuBefore);
  counter.pause();
  const received = await emulators.stopCounting();
  const requests = counter.snapshot();
  const { reads, writes } = counter.dynamodb();
  const { readUnits, writeUnits, writesWithoutUnits } = counter.capacity();
  const measurement = {
    spec,
    elapsedMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    eventLoopUtilisation: elu.utilization,
    requests,
    dynamodbReads: reads,
    dynamodbWrites: writes,
    dynamodbReadUnits: readUnits,
    dynamodbWriteUnits: writeUnits,
    dynamodbWritesWithoutUnits: writesWithoutUnits,
    sqsRequests: counter.sqs(),
    serverDynamodb: received.dynamodb,
    serverSqs: received.sqs,
    ...(received.cpuMs !== undefined ? { emulatorCpuMs: received.cpuMs } : {}),
    unansweredDynamodb: counter.unanswered('dynamodb'),
    unansweredSqs: counter.unanswered('sqs'),
    hookLatencies: [...observed.latencies],
    casAttempts: Object.fromEntries(observed.casAttempts),
    casConflicts: Object.fromEntries(observed.casConflicts),
    runsByStatus: Object.fromEntries(observed.runsFinished),
    pollerErrors: stack.errors.length - errorsBefore,
    ...(cpuSplitMs ? { cpuSplitMs } : {}),
  };
  const histories: RunHistory[] = [];
  const historyLatencies = await readBack(stack, spec, runIds, (history) => {
    if (options.keepHistories) histories.push(history);
  });
  return { ...measurement, historyLatencies, ...(options.keepHistories ? { histories } : {}) };
}

/** Submits the runs, keeping `concurrency` in flight, and resolves once all have finished. */
/** The longest a sync submission waits for its answer in a scenario (then its run goes on through the queue). */
const SYNC_WAIT_MS = 120_000;

function submitAndWait(stack: EngineStack, spec: ScenarioSpec): Promise<string[]> {
  const runIds: string[] = [];
  return new Promise<string[]>((resolve, reject) => {
    let submitted = 0;
    let finished = 0;
    let lastProgress = performance.now();
    const watchdog = setInterval(() => {
      if (performance.now() - lastProgress < STALL_MS) return;
      stop();
      reject(
        new Error(
          `${spec.name}: no run finished for ${STALL_MS / 1000} s (${finished}/${spec.runs} done, poller errors: ${stack.errors.map(String).slice(-3).join('; ')})`,
        ),
      );
    }, 1000);
    const stop = () => {
      clearInterval(watchdog);
      stack.observed.onRunFinished = undefined;
    };
    const submissions: Promise<unknown>[] = [];
    const submitOne = () => {
      submitted += 1;
      const request = { workflow: spec.plan.name, input: spec.input };
      const submission = (
        spec.sync ? stack.runtime.run(request, { waitMs: SYNC_WAIT_MS }) : stack.runtime.submit(request)
      ).then(({ runId }) => runIds.push(runId));
      submission.catch((error: unknown) => {
        stop();
        reject(error);
      });
      submissions.push(submission);
    };
    stack.observed.onRunFinished = () => {
      finished += 1;
      lastProgress = performance.now();
      if (finished === spec.runs) {
        stop();
        // a run can finish before its submit call has returned its id
        void Promise.all(submissions).then(() => resolve(runIds), reject);
      } else if (submitted < spec.runs) {
        submitOne();
      }
    };
    for (let i = 0; i < Math.min(spec.concurrency, spec.runs); i += 1) submitOne();
  });
}

/** Checks every run succeeded with every task, and collects history-based dispatch latencies. */
async function readBack(
  stack: EngineStack,
  spec: ScenarioSpec,
  runIds: readonly string[],
  onHistory: (history: RunHistory) => void,
): Promise<number[]> {
  const latencies: number[] = [];
  const taskCount = Object.keys(spec.plan.tasks).length;
  for (const runId of runIds) {
    const view: RunView | undefined = await stack.runtime.getRun(runId);
    const succeeded = Object.values(view?.tasks ?? {}).filter((task) => task.status === 'succeeded').length;
    if (view?.status !== 'succeeded' || succeeded !== taskCount) {
      throw new Error(
        `${spec.name}: run ${runId} ended ${view?.status ?? 'missing'} with ${succeeded}/${taskCount} tasks succeeded`,
      );
    }
    const events = (await stack.runtime.history(runId)) ?? [];
    onHistory({ runId, events });
    latencies.push(...historyLatencies(spec.plan, events));
  }
  return latencies;
}
