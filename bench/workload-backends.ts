/**
 * The backends the engine workloads run on, each seen as a {@link WorkloadBackend}: `sqlite`, the embedded
 * backend as `weft run` opens it (`openBackend`, a fresh state dir in the system's temp dir), counting
 * store operations through its `metrics`; and `emulators`, the engine benchmark's stack
 * (bench/engine-stack.ts: dynalite in memory and fauxqs, in this process or a child), counting requests
 * with the SDK middleware as the existing scenarios do.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SqliteSynchronous } from '../src/local/backend.ts';
import { openBackend } from '../src/local/open-backend.ts';
import { type EngineMetrics, type HandlerRegistry, noopMetrics } from '../src/runtime/index.ts';
import type { Plan } from '../src/workflow/plan.ts';
import { startEngineStack } from './engine-stack.ts';
import type { BackendCounts, WorkloadBackend } from './engine-workloads.ts';

/** A backend opened for the workloads. */
export interface OpenedWorkloadBackend extends WorkloadBackend {
  /** What runs where, for the report's header. */
  readonly description: string;
  /** Failures the worker reported (a handler or a store call threw): there should be none. */
  readonly errors: readonly unknown[];
  close(): Promise<void>;
}

export interface WorkloadBackendOptions {
  readonly plans: readonly Plan[];
  readonly handlers: HandlerRegistry;
  /** Task messages handled at once. */
  readonly workers: number;
}

const increment = (counts: Map<string, number>, key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);

/** The embedded backend on `<tmp>/weft-bench-sqlite-*`, removed on close. */
export async function openSqliteWorkloadBackend(
  options: WorkloadBackendOptions & { readonly synchronous: SqliteSynchronous },
): Promise<OpenedWorkloadBackend> {
  const stateDir = await mkdtemp(join(tmpdir(), 'weft-bench-sqlite-'));
  const casAttempts = new Map<string, number>();
  const casConflicts = new Map<string, number>();
  const errors: unknown[] = [];
  const metrics: EngineMetrics = {
    ...noopMetrics,
    casAttempt: (kind) => increment(casAttempts, kind),
    casConflict: (kind) => increment(casConflicts, kind),
    runFinished: (_status, durationMs) => target.onRunFinished?.(durationMs),
  };
  let backend: Awaited<ReturnType<typeof openBackend>>;
  try {
    backend = await openBackend({
      backend: 'sqlite',
      stateDir,
      plans: options.plans,
      handlers: options.handlers,
      worker: true,
      concurrency: options.workers,
      synchronous: options.synchronous,
      metrics,
      onError: (error) => errors.push(error),
    });
  } catch (error) {
    await rm(stateDir, { recursive: true, force: true });
    throw error;
  }
  const target: OpenedWorkloadBackend = {
    description: `SQLite (node:sqlite, WAL, synchronous=${options.synchronous}, ${join(stateDir, 'weft.db')}) + in-process queue, ${options.workers} tasks at once, in this Node process`,
    runtime: backend.runtime,
    changed: (runId, ms) => backend.changed(runId, ms),
    onRunFinished: undefined,
    settleMs: 0,
    errors,
    async startCounting() {
      casAttempts.clear();
      casConflicts.clear();
    },
    async stopCounting(): Promise<BackendCounts> {
      return { casAttempts: Object.fromEntries(casAttempts), casConflicts: Object.fromEntries(casConflicts) };
    },
    async close() {
      await backend.close();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
  return target;
}

/** The engine benchmark's emulator stack; `changed` wakes on any run finished (the workloads wait on one). */
export async function openEmulatorWorkloadBackend(
  options: WorkloadBackendOptions & { readonly emulators: 'process' | 'child' },
): Promise<OpenedWorkloadBackend> {
  const stack = await startEngineStack({
    plans: options.plans,
    handlers: options.handlers,
    workers: options.workers,
    emulators: options.emulators,
  });
  const { counter, emulators, observed } = stack;
  const waiters = new Set<() => void>();
  observed.onRunFinished = () => {
    for (const wake of [...waiters]) wake();
    target.onRunFinished?.(observed.runDurations.at(-1) ?? 0);
  };
  const where =
    options.emulators === 'child'
      ? 'dynalite (in memory) + fauxqs in a child process, engine + SDK clients + poller in this one'
      : 'dynalite (in memory) + fauxqs + engine + SDK clients + poller in this Node process';
  const target: OpenedWorkloadBackend = {
    description: `emulators: ${where}, ${options.workers} messages at once`,
    runtime: stack.runtime,
    changed: (_runId, ms) =>
      new Promise((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, ms);
        waiters.add(wake);
      }),
    onRunFinished: undefined,
    // the worker deletes a message after its handler returns, and the run finishes inside the handler
    settleMs: 250,
    errors: stack.errors,
    async startCounting() {
      observed.casAttempts.clear();
      observed.casConflicts.clear();
      counter.reset();
      await emulators.startCounting();
      counter.resume();
    },
    async stopCounting(): Promise<BackendCounts> {
      counter.pause();
      const received = await emulators.stopCounting();
      return {
        casAttempts: Object.fromEntries(observed.casAttempts),
        casConflicts: Object.fromEntries(observed.casConflicts),
        requests: counter.snapshot(),
        ...(received.cpuMs === undefined ? {} : { emulatorCpuMs: received.cpuMs }),
      };
    },
    close: () => stack.close(),
  };
  return target;
}
