import { awaitRun } from '../../src/runtime/await-run.ts';
import { RunConflictError, UnknownWorkflowError } from '../../src/runtime/errors.ts';
import type {
  CallbackAnswer,
  HistoryEvent,
  Json,
  PlanCatalog,
  RunAnswer,
  RunControlAnswer,
  RunOptions,
  Runtime,
  RunView,
  SubmitRequest,
  SubmitResult,
} from '../../src/runtime/types.ts';
import type { Plan, PlannedTrigger } from '../../src/workflow/plan.ts';

/** A plan with a chain of tasks, for tests of code that only reads a plan's name, order and triggers. */
export function chainPlan(
  name: string,
  taskIds: readonly string[],
  extra: { triggers?: readonly PlannedTrigger[]; schedules?: readonly string[] } = {},
): Plan {
  const retry = { maxAttempts: 1, backoffMs: 0, backoffRate: 2, jitter: 'full' as const };
  const tasks = Object.fromEntries(
    taskIds.map((id, index) => [
      id,
      {
        id,
        index,
        handler: id,
        deps: index === 0 ? [] : [taskIds[index - 1] as string],
        dependents: index === taskIds.length - 1 ? [] : [taskIds[index + 1] as string],
        level: index,
        retry,
      },
    ]),
  );
  return {
    name,
    version: `v-${name}`,
    tasks,
    roots: taskIds.slice(0, 1),
    sinks: taskIds.slice(-1),
    order: taskIds,
    levels: taskIds.map((id) => [id]),
    criticalPath: taskIds,
    triggers: extra.triggers ?? [],
    schedules: extra.schedules ?? [],
  };
}

/** A catalog over a fixed list of plans. */
export { planCatalog as catalogOf } from '../../src/runtime/catalog.ts';

/**
 * An in-memory Runtime honouring the contract's submission rules (same id or key with a different workflow
 * or input is a conflict), for testing the layers above the runtime without emulators.
 */
export class FakeRuntime implements Runtime {
  readonly runs = new Map<string, RunView>();
  readonly submissions: SubmitRequest[] = [];
  private next = 1;

  constructor(private readonly plans: PlanCatalog) {}

  async submit(request: SubmitRequest): Promise<SubmitResult> {
    this.submissions.push(request);
    const plan = this.plans.byName(request.workflow);
    if (!plan) {
      throw new UnknownWorkflowError(
        request.workflow,
        this.plans.list().map((p) => p.name),
      );
    }
    const runId =
      request.runId ?? (request.idempotencyKey ? `key-${request.idempotencyKey}` : `run-${this.next++}`);
    const existing = this.runs.get(runId);
    if (existing) {
      if (
        existing.workflow !== request.workflow ||
        JSON.stringify(existing.input) !== JSON.stringify(request.input)
      ) {
        throw new RunConflictError(runId, 'a different workflow or input');
      }
      return { runId, created: false };
    }
    const tasks = Object.fromEntries(
      plan.order.map((id) => [id, { status: 'pending' as const, attempts: 0 }]),
    );
    this.runs.set(runId, {
      runId,
      workflow: plan.name,
      planVersion: plan.version,
      status: 'running',
      rollback: 'none',
      input: request.input as Json,
      tasks,
      compensations: [],
    });
    return { runId, created: true };
  }

  /** Submits, then waits as `awaitRun` does (no sync lane: a fake runs no task). */
  async run(request: SubmitRequest, options: RunOptions): Promise<RunAnswer> {
    const submitted = await this.submit(request);
    const waited = await awaitRun(this, submitted.runId, { timeoutMs: options.waitMs });
    if (waited.kind === 'settled') return { ...submitted, kind: 'settled', view: waited.view };
    return { ...submitted, kind: 'pending', ...(waited.kind === 'pending' ? { view: waited.view } : {}) };
  }

  async handleMessage(): Promise<void> {}

  async handle(): Promise<void> {}

  async recover() {
    return { runs: 0, redispatched: 0, expiredLeases: 0, finalised: 0 };
  }

  async cancel(runId: string): Promise<RunView | undefined> {
    const run = this.runs.get(runId);
    if (!run) return undefined;
    const cancelled: RunView = { ...run, status: 'cancelled' };
    this.runs.set(runId, cancelled);
    return cancelled;
  }

  async getRun(runId: string): Promise<RunView | undefined> {
    return this.runs.get(runId);
  }

  async workflowOf(runId: string): Promise<string | undefined> {
    return this.runs.get(runId)?.workflow;
  }

  async history(runId: string): Promise<readonly HistoryEvent[] | undefined> {
    if (!this.runs.has(runId)) return undefined;
    return [{ lamport: 1, at: '2026-01-01T00:00:00.000Z', type: 'run.submitted' }];
  }

  /** Redrives and rollbacks are answered by the real runtimes' tests. */
  async redrive(): Promise<RunControlAnswer> {
    return { kind: 'notFound' };
  }

  async rollback(): Promise<RunControlAnswer> {
    return { kind: 'notFound' };
  }

  /** Callbacks are answered by the real runtimes' tests; this one knows no token. */
  async completeCallback(): Promise<CallbackAnswer> {
    return { kind: 'notFound' };
  }

  async heartbeatCallback(): Promise<CallbackAnswer> {
    return { kind: 'notFound' };
  }
}
