/**
 * The embedded backend's three workloads, on any backend the benchmark opens: W1, throughput with a fixed
 * number of runs in flight (a new one submitted as each finishes); W2 and W3, the latency of one run
 * alone, from submit until `getRun` shows it final. Each measures wall time, this process's CPU and the
 * store operations the engine counted; the caller derives the figures. With counting stopped, every run is
 * read back to check that it succeeded with every task.
 */
import { loadavg } from 'node:os';
import type { Json, RunStatus, Runtime } from '../src/runtime/index.ts';
import type { Plan } from '../src/workflow/plan.ts';
import { type Profile, startCpuProfile } from './cpu-split.ts';

/** A backend as the workloads see it (bench/workload-backends.ts opens them). */
export interface WorkloadBackend {
  readonly runtime: Runtime;
  /** Resolves when this process may have changed the run (it finished, say), or after `ms`. */
  changed(runId: string, ms: number): Promise<void>;
  /** Called on every finished run with its time from creation to end (the engine's `runFinished` hook). */
  onRunFinished: ((durationMs: number) => void) | undefined;
  /** Work the worker still does after a run is final (deleting its last message), to count with it. */
  readonly settleMs: number;
  /** Counts from zero. */
  startCounting(): Promise<void>;
  stopCounting(): Promise<BackendCounts>;
}

/** What a backend counted between `startCounting` and `stopCounting`. */
export interface BackendCounts {
  /** The engine's `EngineMetrics.casAttempt(kind)` calls: store state changes, by transition. */
  readonly casAttempts: Readonly<Record<string, number>>;
  readonly casConflicts: Readonly<Record<string, number>>;
  /** Requests sent, by `service:Operation` (emulators only). */
  readonly requests?: Readonly<Record<string, number>>;
  /** CPU of the emulators' own process, ms (`--emulators child` only). */
  readonly emulatorCpuMs?: number;
}

export interface WorkloadSpec {
  /** `W1`, `W2`, `W3`. */
  readonly id: string;
  readonly plan: Plan;
  readonly input: Json;
  readonly runs: number;
  /** Runs in flight at a time; 1 is each run alone, and its latency is measured. */
  readonly inFlight: number;
}

export interface WorkloadMeasurement {
  readonly spec: WorkloadSpec;
  readonly elapsedMs: number;
  /** `process.cpuUsage()` user + system over the workload, every thread of this process, ms. */
  readonly cpuMs: number;
  readonly eventLoopUtilisation: number;
  /** Runs alone: submit until `getRun` showed the run final, ms. Empty for runs in flight together. */
  readonly submitToFinalMs: readonly number[];
  /** The engine's `runFinished` durations (run created to run final), ms. */
  readonly engineRunMs: readonly number[];
  readonly counts: BackendCounts;
  readonly loadBefore: readonly number[];
  readonly loadAfter: readonly number[];
  /** V8's CPU profile of the main thread while the runs were in flight (when asked for). */
  readonly profile?: Profile;
}

const FINAL: ReadonlySet<RunStatus> = new Set(['succeeded', 'failed', 'cancelled']);
/**
 * The longest wait between two reads of a run. Both backends wake the waiter when this process finishes
 * the run, so this is only a fallback and the figures do not measure polling; a short one would add
 * `getRun` reads (on the emulators, counted Query requests) while the run is in flight.
 */
const WAIT_MS = 1_000;
/** No run finished for this long: the workload is stuck; fail loudly instead of hanging. */
const STALL_MS = 60_000;

/** Runs `spec` on `backend` and returns what it measured; with `profile`, a CPU profile of the runs too. */
export async function runWorkload(
  backend: WorkloadBackend,
  spec: WorkloadSpec,
  options: { readonly profile?: boolean } = {},
): Promise<WorkloadMeasurement> {
  const loadBefore = loadavg();
  const engineRunMs: number[] = [];
  backend.onRunFinished = (ms) => engineRunMs.push(ms);
  await backend.startCounting();
  const stopProfile = options.profile ? await startCpuProfile() : undefined;
  const cpuBefore = process.cpuUsage();
  const eluBefore = performance.eventLoopUtilization();
  const started = performance.now();
  const { runIds, submitToFinalMs } =
    spec.inFlight === 1 ? await oneAtATime(backend, spec) : await keepInFlight(backend, spec, engineRunMs);
  const elapsedMs = performance.now() - started;
  const elu = performance.eventLoopUtilization(eluBefore);
  const profile = await stopProfile?.();
  await new Promise((resolve) => setTimeout(resolve, backend.settleMs));
  const cpu = process.cpuUsage(cpuBefore);
  const counts = await backend.stopCounting();
  backend.onRunFinished = undefined;
  await checkRuns(backend.runtime, spec, runIds);
  return {
    spec,
    elapsedMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    eventLoopUtilisation: elu.utilization,
    submitToFinalMs,
    engineRunMs,
    counts,
    loadBefore,
    loadAfter: loadavg(),
    ...(profile ? { profile } : {}),
  };
}

/** Each run alone: submit, read until final, then the next. */
async function oneAtATime(
  backend: WorkloadBackend,
  spec: WorkloadSpec,
): Promise<{ runIds: string[]; submitToFinalMs: number[] }> {
  const runIds: string[] = [];
  const submitToFinalMs: number[] = [];
  for (let i = 0; i < spec.runs; i += 1) {
    const started = performance.now();
    const { runId } = await backend.runtime.submit({ workflow: spec.plan.name, input: spec.input });
    for (;;) {
      const view = await backend.runtime.getRun(runId);
      if (view && FINAL.has(view.status)) break;
      if (performance.now() - started > STALL_MS) {
        throw new Error(`${spec.id}: run ${runId} not final after ${STALL_MS / 1000} s (${view?.status})`);
      }
      await backend.changed(runId, WAIT_MS);
    }
    submitToFinalMs.push(performance.now() - started);
    runIds.push(runId);
  }
  return { runIds, submitToFinalMs };
}

/**
 * `spec.inFlight` runs at a time, a new one submitted whenever the engine reports one finished (its
 * `runFinished` hook: no reads while the runs are in flight), until `spec.runs` have finished.
 */
function keepInFlight(
  backend: WorkloadBackend,
  spec: WorkloadSpec,
  engineRunMs: number[],
): Promise<{ runIds: string[]; submitToFinalMs: number[] }> {
  const runIds: string[] = [];
  return new Promise((resolve, reject) => {
    let submitted = 0;
    let finished = 0;
    let done = false;
    let lastProgress = performance.now();
    const submissions: Promise<unknown>[] = [];
    const fail = (error: unknown) => {
      if (done) return;
      done = true;
      clearInterval(watchdog);
      reject(error);
    };
    const watchdog = setInterval(() => {
      if (performance.now() - lastProgress < STALL_MS) return;
      fail(new Error(`${spec.id}: no run finished for ${STALL_MS / 1000} s (${finished}/${spec.runs})`));
    }, 1000);
    const submitOne = () => {
      submitted += 1;
      const submission = backend.runtime
        .submit({ workflow: spec.plan.name, input: spec.input })
        .then(({ runId }) => runIds.push(runId));
      submission.catch(fail);
      submissions.push(submission);
    };
    backend.onRunFinished = (ms) => {
      engineRunMs.push(ms);
      if (done) return;
      finished += 1;
      lastProgress = performance.now();
      if (finished === spec.runs) {
        done = true;
        clearInterval(watchdog);
        // a run can finish before its submit call has returned its id
        void Promise.all(submissions).then(() => resolve({ runIds, submitToFinalMs: [] }), reject);
      } else if (submitted < spec.runs) {
        submitOne();
      }
    };
    for (let i = 0; i < Math.min(spec.inFlight, spec.runs); i += 1) submitOne();
  });
}

/** Every run succeeded, with every task. */
async function checkRuns(runtime: Runtime, spec: WorkloadSpec, runIds: readonly string[]): Promise<void> {
  const taskCount = Object.keys(spec.plan.tasks).length;
  for (const runId of runIds) {
    const view = await runtime.getRun(runId);
    const succeeded = Object.values(view?.tasks ?? {}).filter((task) => task.status === 'succeeded').length;
    if (view?.status !== 'succeeded' || succeeded !== taskCount) {
      throw new Error(
        `${spec.id}: run ${runId} ended ${view?.status ?? 'missing'} with ${succeeded}/${taskCount} tasks succeeded`,
      );
    }
  }
}
