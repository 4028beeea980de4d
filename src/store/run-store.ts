/**
 * The store port: the engine's operations on durable state. Each state change is one compare-and-set whose
 * precondition is the engine's (src/engine/transitions/); an adapter carries it out atomically in its own
 * terms: one conditional DynamoDB request (DynamoDbRunStore), one SQLite transaction (SqliteRunStore).
 */
import type {
  AnswerRunOp,
  AwaitCallbackOp,
  CancelWaitOp,
  CheckpointOp,
  ClaimByEdgeOp,
  ClaimCompensationOp,
  ClaimTaskOp,
  CompleteCallbackOp,
  CopyEdgeOp,
  CountLastSinkOp,
  CountMapItemOp,
  CountSinkOp,
  DispatchCompensationOp,
  EndTaskOp,
  FinishCompensationOp,
  FinishRollbackOp,
  FinishRunOp,
  HeartbeatCallbackOp,
  HoldTaskOp,
  NewRunOp,
  OpenCallbackOp,
  PauseRunOp,
  RedriveRunOp,
  ReleaseHoldOp,
  ReleaseTaskOp,
  RenewLeaseOp,
  ResetTaskOp,
  RetryCompensationOp,
  RetryTaskOp,
  RevertRunOp,
  SkipTaskOp,
  SleepTaskOp,
  StopRunOp,
  TaskRefOp,
} from '../engine/operations.ts';
import type { AcquireSlotOp, Admission, EvictSlotOp, ReleaseSlotOp, SlotRecord } from '../engine/slots.ts';
import type { RunRecord, TaskRecord } from '../engine/types.ts';
import type { Plan } from '../workflow/plan.ts';

/** The outcome of a compare-and-set: the new record, or the current one when the precondition failed. */
export type CasOutcome<T> =
  | { readonly ok: true; readonly record: T }
  | { readonly ok: false; readonly current?: T };

/** One page of the listing of active runs, in a stable order. */
export interface ActiveRunsPage {
  readonly runIds: readonly string[];
  /** Resumes the listing after this page (an adapter's own cursor); absent on the last page. */
  readonly next?: string;
}

/** A run and every task record it has so far, by task id. */
export interface RunState {
  readonly run: RunRecord;
  readonly tasks: ReadonlyMap<string, TaskRecord>;
}

type TaskCas = Promise<CasOutcome<TaskRecord>>;
type RunCas = Promise<CasOutcome<RunRecord>>;

export interface RunStore {
  /** Stores a plan version, if absent (versions are immutable). */
  savePlan(plan: Plan): Promise<void>;
  loadPlan(name: string, version: string): Promise<Plan | undefined>;

  /** Creates the run unless one has its id; the loser of that race gets the existing run. */
  createRun(run: NewRunOp): RunCas;
  getRun(runId: string): Promise<RunRecord | undefined>;
  /** One task record (strongly consistent). */
  getTask(runId: string, taskId: string): Promise<TaskRecord | undefined>;
  /** The run and all its task records (strongly consistent). */
  loadRun(runId: string): Promise<RunState | undefined>;
  /** Ids of the runs that are not final, at most `limit`, after the cursor `after` (a page's `next`). */
  activeRuns(page: { readonly limit: number; readonly after?: string }): Promise<ActiveRunsPage>;

  claimTask(op: ClaimTaskOp): TaskCas;
  renewLease(op: RenewLeaseOp): TaskCas;
  checkpoint(op: CheckpointOp): TaskCas;
  retryTask(op: RetryTaskOp): TaskCas;
  /** Starts a sleep task's timer: `ready` again, due at its wake time. */
  sleepTask(op: SleepTaskOp): TaskCas;
  endTask(op: EndTaskOp): TaskCas;
  copyEdge(op: CopyEdgeOp): TaskCas;
  /** The last edge (or edges) into a dependent, folded into its claim (see {@link ClaimByEdgeOp}). */
  claimByEdge(op: ClaimByEdgeOp): TaskCas;
  skipTask(op: SkipTaskOp): TaskCas;

  /** A callback task's token, opened before its handler runs. */
  openCallback(op: OpenCallbackOp): TaskCas;
  /** The callback task waits, unowned, for its token. */
  awaitCallback(op: AwaitCallbackOp): TaskCas;
  /** A completion by token, from any process: accepted once. */
  completeCallback(op: CompleteCallbackOp): TaskCas;
  heartbeatCallback(op: HeartbeatCallbackOp): TaskCas;
  /** A waiting map task counts a lane's end or a failed item. */
  countMapItem(op: CountMapItemOp): TaskCas;
  /** The rollback ends a wait. */
  cancelWait(op: CancelWaitOp): TaskCas;
  flagStopping(op: TaskRefOp): TaskCas;
  releaseTask(op: ReleaseTaskOp): TaskCas;

  dispatchCompensation(op: DispatchCompensationOp): TaskCas;
  claimCompensation(op: ClaimCompensationOp): TaskCas;
  renewCompensationLease(op: RenewLeaseOp): TaskCas;
  finishCompensation(op: FinishCompensationOp): TaskCas;
  retryCompensation(op: RetryCompensationOp): TaskCas;
  releaseCompensation(op: ReleaseTaskOp): TaskCas;

  countSink(op: CountSinkOp): RunCas;
  countLastSink(op: CountLastSinkOp): RunCas;
  finishRun(op: FinishRunOp): RunCas;
  stopRun(op: StopRunOp): RunCas;
  /** A sync run's caller was answered while its `mode: async` tasks still run. */
  answerRun(op: AnswerRunOp): RunCas;
  /** A succeeded child run rolls back with its parent. */
  revertRun(op: RevertRunOp): RunCas;
  finishRollback(op: FinishRollbackOp): RunCas;

  /** `on_failure: pause`: the run pauses; its unstarted tasks are held; their items kept (no expiry). */
  pauseRun(op: PauseRunOp): RunCas;
  holdTask(op: HoldTaskOp): TaskCas;
  retainTask(op: TaskRefOp): TaskCas;
  /** A paused run goes on; its held tasks are released, the redriven ones reset. */
  redriveRun(op: RedriveRunOp): RunCas;
  releaseHold(op: ReleaseHoldOp): TaskCas;
  resetTask(op: ResetTaskOp): TaskCas;

  /** Concurrency slots (src/engine/slots.ts): one record per key, shared by every run. */
  getSlot(key: string): Promise<SlotRecord | undefined>;
  /**
   * Takes a slot or queues for one: the record after the write, and what this very write did for the
   * holder (took the slot, put it in line, and since when it had waited).
   */
  acquireSlot(op: AcquireSlotOp): Promise<{ readonly record: SlotRecord } & Admission>;
  releaseSlot(op: ReleaseSlotOp): Promise<CasOutcome<SlotRecord>>;
  evictSlot(op: EvictSlotOp): Promise<CasOutcome<SlotRecord>>;

  /** Releases the adapter's resources (clients, database handles). */
  close?(): Promise<void>;
}
