import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryTaskQueue } from '../queue/memory-task-queue.ts';
import { createRuntime, LOCAL_RECOVERY_GRACE_MS, noopMetrics, planCatalog } from '../runtime/index.ts';
import { resolveTask } from '../runtime/map-run.ts';
import type { EngineMetrics } from '../runtime/metrics.ts';
import type { RecoverySettings } from '../runtime/recovery-settings.ts';
import type { HandlerRegistry } from '../runtime/types.ts';
import { SqliteRunStore } from '../store/sqlite-run-store.ts';
import { CHILD_ROLLBACK, compensationOf, type Plan, runsHandlerLocally } from '../workflow/plan.ts';
import { drainThenStop, type LocalBackend, type SqliteSynchronous } from './backend.ts';
import { isLocalOwnerAlive, localOwner, retireOwner } from './owner.ts';
import { otherWorkers, type Registration, register } from './process-registry.ts';
import { type Reaper, startReaper } from './reaper.ts';
import { RunWatch } from './run-watch.ts';
import { ensureStateDir, explainFailure, explainStoreFailures, stateDirFailure } from './state-dir-errors.ts';

/** The database file of a state dir. */
export const sqliteFile = (stateDir: string): string => join(stateDir, 'weft.db');

/** Whether the state dir holds a SQLite database already. */
export const hasSqliteState = (stateDir: string): boolean => existsSync(sqliteFile(stateDir));

export interface SqliteBackendOptions {
  readonly stateDir: string;
  readonly plans: readonly Plan[];
  readonly handlers: HandlerRegistry;
  /** `normal` (default): durable across a crash of the process; `full`: across a power loss too. */
  readonly synchronous?: SqliteSynchronous;
  /** Task messages handled at once. Default 32. */
  readonly concurrency?: number;
  /** Pause between recovery passes. Default 2,000 ms. */
  readonly recoveryIntervalMs?: number;
  /** The recovery pass's grace and bounds; default a 1 s grace (each process has its own queue). */
  readonly recovery?: Partial<RecoverySettings>;
  /** How often to look for writes of other processes on the same file. Default 100 ms. */
  readonly watchIntervalMs?: number;
  /** Default: none (the local commands); the benchmark counts store operations with it. */
  readonly metrics?: EngineMetrics;
  readonly onError?: (error: unknown) => void;
}

/**
 * The embedded backend: runs in `<stateDir>/weft.db` (SQLite, WAL), tasks through an in-process queue.
 * The store is the truth: the queue starts empty and the recovery pass (at start, every couple of seconds,
 * and whenever another process on the same file has written) rebuilds it from the store. Several
 * processes may share a state dir: SQLite serialises their transactions, each runs the tasks it has the
 * handlers for, and each one's recovery takes over the attempts of those that died.
 *
 * @example
 * const backend = await openSqliteBackend({ stateDir: '.weft', plans, handlers });
 * backend.startWorker();
 */
export async function openSqliteBackend(options: SqliteBackendOptions): Promise<LocalBackend> {
  const onError = options.onError ?? (() => {});
  await ensureStateDir(options.stateDir);
  const metrics = options.metrics ?? noopMetrics;
  const file = sqliteFile(options.stateDir);
  const store = await explainFailure(
    file,
    () => SqliteRunStore.open(file, metrics, { synchronous: options.synchronous ?? 'normal' }),
    { opening: true },
  );
  const watch = new RunWatch();
  const queue = new MemoryTaskQueue({
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    onError,
  });
  const plans = planCatalog(options.plans);
  const shutdown = new AbortController();
  const draining = new AbortController();
  const handlers = options.handlers;
  const owner = localOwner();
  let working = false;
  const runtime = createRuntime({
    store: watch.wrap(explainStoreFailures(store, file)),
    queue,
    plans,
    handlers,
    metrics,
    owner,
    isOwnerAlive: isLocalOwnerAlive,
    // a task whose handler this process lacks is left to a process on the same state dir that has it; a
    // process whose worker is not started runs nothing (its dispatches are recorded as no one's)
    accepts: (plan, taskId, kind) => {
      // an item of a map runs its map's handler
      const task = resolveTask(plan, taskId)?.planned;
      if (task === undefined || !working) return false;
      if (kind === 'compensate') {
        const compensation = compensationOf(task);
        // a child's rollback runs no handler
        return compensation === CHILD_ROLLBACK || typeof handlers[compensation?.handler ?? ''] === 'function';
      }
      return !runsHandlerLocally(task) || typeof handlers[task.handler] === 'function';
    },
    shutdown: shutdown.signal,
    draining: draining.signal,
    recovery: { graceMs: LOCAL_RECOVERY_GRACE_MS, ...options.recovery },
  });
  const others = await otherWorkers(options.stateDir);
  let reaper: Reaper | undefined;
  let watcher: NodeJS.Timeout | undefined;
  let registration: Promise<Registration | undefined> | undefined;
  return {
    backend: 'sqlite',
    runtime,
    plans,
    attached: others.length > 0,
    hostPid: others[0] ?? process.pid,
    startWorker() {
      if (reaper) return;
      // the announcement is a courtesy to other processes: a failure to write it is reported, not fatal
      registration = register(options.stateDir).catch((error: unknown) => {
        onError(stateDirFailure(error, join(options.stateDir, 'processes')) ?? error);
        return undefined;
      });
      working = true;
      queue.start((message) => runtime.handle(message));
      // the in-process queue starts empty: the first sweep sends every claimable task, recorded or not
      const recovery = startReaper(runtime, options.recoveryIntervalMs ?? 2_000, onError, {
        queueStartedEmpty: true,
      });
      reaper = recovery;
      // another process's commit (a cancel, a run submitted there) is seen at the next tick
      watcher = setInterval(() => {
        if (store.changedElsewhere()) recovery.nudge();
      }, options.watchIntervalMs ?? 100);
      watcher.unref();
    },
    loadPlan: (workflow, version) => store.loadPlan(workflow, version),
    changed: (runId, ms) => watch.changed(runId, ms),
    async close(closing = {}) {
      clearInterval(watcher);
      await reaper?.stop();
      await drainThenStop(draining, shutdown, queue.stop(), closing.graceMs ?? 0);
      retireOwner(owner);
      await (await registration)?.release();
      await store.close();
    },
  };
}
