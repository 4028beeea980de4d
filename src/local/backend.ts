/**
 * The local commands' view of where runs live: the embedded SQLite store (the default), the embedded AWS
 * emulators, or DynamoDB and SQS at the AWS SDK's endpoints. Every backend runs the same engine.
 */
import type { PlanCatalog, Runtime } from '../runtime/types.ts';
import type { Plan } from '../workflow/plan.ts';

export const BACKENDS = ['sqlite', 'emulators', 'aws'] as const;
export type BackendName = (typeof BACKENDS)[number];

/** SQLite's `synchronous` setting: `normal` survives a process crash, `full` also a power loss. */
export const SQLITE_SYNCHRONOUS = ['normal', 'full'] as const;
export type SqliteSynchronous = (typeof SQLITE_SYNCHRONOUS)[number];

export interface CloseOptions {
  /** How long attempts still running may go on before they are abandoned; default 0. */
  readonly graceMs?: number;
}

/**
 * Stops taking work, lets what runs finish for up to `graceMs`, then fires `shutdown` and waits for the
 * rest: `drained` resolves once every handling in hand has ended (it must end once `shutdown` fires).
 */
export async function drainThenStop(
  draining: AbortController,
  shutdown: AbortController,
  drained: Promise<void>,
  graceMs: number,
): Promise<void> {
  draining.abort();
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, graceMs);
  });
  await Promise.race([drained, graceOver]);
  clearTimeout(timer);
  shutdown.abort();
  await drained;
}

/** A backend opened by a command or the programmatic API. */
export interface LocalBackend {
  readonly backend: BackendName;
  readonly runtime: Runtime;
  readonly plans: PlanCatalog;
  /**
   * True when another live process executes this backend's tasks (the emulators' host, or another weft
   * process on the same SQLite state dir): changes made here are carried on there.
   */
  readonly attached: boolean;
  /** That process's pid, or this one's. */
  readonly hostPid: number;
  /** Starts executing tasks here (the queue consumer and the recovery pass). Idempotent. */
  startWorker(): void;
  /** The plan a run is pinned to, as stored at submit. */
  loadPlan(workflow: string, version: string): Promise<Plan | undefined>;
  /**
   * Resolves when the run may have changed (a write of this process to it), or after `ms` at the latest
   * (a change made by another process).
   */
  changed(runId: string, ms: number): Promise<void>;
  /**
   * Stops executing. With `graceMs`, nothing new is claimed and attempts still running have that long to
   * finish (and checkpoint); then, or at once without it, their signals fire and they are abandoned to the
   * next recovery.
   */
  close(options?: CloseOptions): Promise<void>;
}
