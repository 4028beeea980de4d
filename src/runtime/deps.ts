import type { TaskQueue } from '../queue/task-queue.ts';
import type { RunStore } from '../store/run-store.ts';
import type { Plan } from '../workflow/plan.ts';
import type { EngineLogger, EngineMetrics } from './metrics.ts';
import type { RecoverySettings } from './recovery-settings.ts';
import type { HandleOptions, HandlerRegistry, Json, PlanCatalog } from './types.ts';

export type { HandleOptions };

/**
 * Test-only crash injection: called at each step of the worker; a throw there simulates the process dying
 * at that instant (nothing after it runs, the message is not acknowledged).
 */
export type FaultPoint =
  | 'afterSubmit'
  | 'afterClaim'
  | 'afterEdgeClaim'
  | 'afterEdgeHeld'
  | 'afterHandler'
  | 'afterCheckpoint'
  | 'afterSkip'
  | 'afterCallback'
  | 'afterRedrive'
  | 'afterChildEnd'
  | 'afterMapStart'
  | 'afterMapCount'
  | 'beforeSlotRelease'
  | 'beforeDispatch'
  | 'afterStop'
  | 'afterCompensationClaim'
  | 'afterCompensationHandler';

/** Context of a fault: which run and task the worker was at. */
export interface FaultSite {
  readonly runId: string;
  readonly taskId?: string;
}

/** Invokes a task declared with `lambda:` and returns its result. */
export type LambdaInvoker = (functionName: string, payload: Json, signal: AbortSignal) => Promise<unknown>;

/** Everything the use cases need, passed explicitly (tests build it with fakes or real adapters). */
export interface RuntimeDeps {
  readonly store: RunStore;
  readonly queue: TaskQueue;
  readonly plans: PlanCatalog;
  readonly handlers: HandlerRegistry;
  readonly owner: string;
  readonly isOwnerAlive?: (owner: string) => boolean | Promise<boolean>;
  /** Whether this process takes on a task; a declined one is left claimable for another process. */
  readonly accepts?: (plan: Plan, taskId: string, kind: 'task' | 'compensate') => boolean;
  /** Dependents one checkpoint continues here at most, when a message's handling does not say. */
  readonly continuations?: number;
  readonly invokeLambda?: LambdaInvoker;
  readonly metrics: EngineMetrics;
  readonly logger: EngineLogger;
  readonly now: () => number;
  /** Uniform in [0, 1): retry jitter. */
  readonly random: () => number;
  readonly retentionMs: number;
  /** The recovery pass's grace and bounds. */
  readonly recovery: RecoverySettings;
  readonly faults?: (point: FaultPoint, site: FaultSite) => void;
  /** Plans by `name@version`, immutable: filled from the catalog or the table. */
  readonly planCache: Map<string, Plan>;
  /** Aborted when the process shuts down: every running attempt's signal follows it. */
  readonly shutdown: AbortSignal;
  /**
   * Aborted when the process stops taking work (the start of a graceful shutdown): no message is claimed
   * and no dependent continued from then on; attempts already running go on until `shutdown`.
   */
  readonly draining?: AbortSignal;
  /** The longest attempt of a task without `timeout` (absent: bounded only by an invocation's deadline). */
  readonly defaultTimeoutMs?: number;
}

/** Runs the test-only fault hook, if any. */
export function fault(deps: RuntimeDeps, point: FaultPoint, site: FaultSite): void {
  deps.faults?.(point, site);
}

/** Epoch seconds at which DynamoDB may expire an item finished now. */
export function expiresAt(deps: RuntimeDeps): number {
  return Math.floor((deps.now() + deps.retentionMs) / 1000);
}

/** An ISO timestamp for event records. */
export function isoNow(deps: RuntimeDeps): string {
  return new Date(deps.now()).toISOString();
}
