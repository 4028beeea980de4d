/**
 * The store on one SQLite file (Node's built-in `node:sqlite`), for running weft on one machine with no
 * emulators. Each state change is one `BEGIN IMMEDIATE` transaction: read the row, apply the engine's
 * transition (src/engine/transitions/), write the row if it changed, commit. The transitions are the
 * preconditions DynamoDbRunStore's conditional requests restate, so the two stores agree write for write.
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
import {
  type AcquireSlotOp,
  type Admission,
  acquireSlot,
  admission,
  type EvictSlotOp,
  evictSlot,
  type ReleaseSlotOp,
  releaseSlot,
  type SlotRecord,
} from '../engine/slots.ts';
import * as next from '../engine/transitions/index.ts';
import type { RunRecord, TaskRecord } from '../engine/types.ts';
import { WeftError } from '../errors.ts';
import type { EngineMetrics } from '../runtime/metrics.ts';
import type { Plan } from '../workflow/plan.ts';
import type { ActiveRunsPage, CasOutcome, RunState, RunStore } from './run-store.ts';
import {
  configure,
  type DatabaseSync,
  openDatabase,
  type SqliteOpenOptions,
  type StatementSync,
} from './sqlite-database.ts';
import {
  decodeRun,
  decodeTask,
  encodeRun,
  encodeTask,
  RUN_KEY,
  SCHEMA,
  SCHEMA_VERSION,
} from './sqlite-layout.ts';

export type SqliteRunStoreOptions = SqliteOpenOptions;

type TaskCas = Promise<CasOutcome<TaskRecord>>;
type RunCas = Promise<CasOutcome<RunRecord>>;

/** How a kind of record is keyed, read back, stored and indexed. */
interface Codec<R> {
  decode(runId: string, key: string, text: string): R;
  encode(record: R): string;
  /** The value of the `active` column: 1 for a run that is not final, else null. */
  active(record: R): 1 | null;
}

const TASKS: Codec<TaskRecord> = {
  decode: (_runId, taskId, text) => decodeTask(taskId, text),
  encode: encodeTask,
  active: () => null,
};
const SLOTS: Codec<SlotRecord> = {
  decode: (_runId, _key, text) => JSON.parse(text) as SlotRecord,
  encode: (record) => JSON.stringify(record),
  active: () => null,
};
/** A key's slots live in a partition of their own, beside the runs'. */
const slotPartition = (key: string) => `SLOT#${key}`;
const RUNS: Codec<RunRecord> = {
  decode: (runId, _key, text) => decodeRun(runId, text),
  encode: encodeRun,
  active: (run) => (next.isActiveRun(run) ? 1 : null),
};

/**
 * The run store on SQLite. Opens `path` (a file, created if absent, or `':memory:'`) in WAL mode, or takes
 * an open connection and sets it up the same way; either way `close()` closes it. Several stores (several
 * processes) may share one file: writes are serialised by SQLite's write lock and wait for each other up to
 * `busyTimeoutMs`.
 *
 * @example
 * const store = new SqliteRunStore('.weft/state.db', noopMetrics, { synchronous: 'full' });
 * const created = await store.createRun(newRun);
 */
export class SqliteRunStore implements RunStore {
  private readonly db: DatabaseSync;
  private readonly begin: StatementSync;
  private readonly commit: StatementSync;
  private readonly rollback: StatementSync;
  private readonly selectItem: StatementSync;
  private readonly upsertItem: StatementSync;
  private readonly selectRunItems: StatementSync;
  private readonly selectActive: StatementSync;
  private readonly insertPlan: StatementSync;
  private readonly selectPlan: StatementSync;
  private readonly dataVersion: StatementSync;
  private seenVersion: number;

  /**
   * Opens the store on `path`, as the constructor does; the form to use where the caller awaits anyway.
   *
   * @example
   * const store = await SqliteRunStore.open('.weft/weft.db', noopMetrics);
   */
  static async open(
    path: string,
    metrics: EngineMetrics,
    options: SqliteRunStoreOptions = {},
  ): Promise<SqliteRunStore> {
    return new SqliteRunStore(path, metrics, options);
  }

  constructor(
    database: string | DatabaseSync,
    private readonly metrics: EngineMetrics,
    options: SqliteRunStoreOptions = {},
  ) {
    this.db = typeof database === 'string' ? openDatabase(database, options) : database;
    try {
      if (typeof database !== 'string') configure(database, options);
      migrate(this.db);
    } catch (error) {
      this.db.close();
      throw error;
    }
    const db = this.db;
    this.begin = db.prepare('BEGIN IMMEDIATE');
    this.commit = db.prepare('COMMIT');
    this.rollback = db.prepare('ROLLBACK');
    this.selectItem = db.prepare('SELECT record FROM items WHERE run_id = ? AND key = ?');
    this.upsertItem = db.prepare(
      'INSERT INTO items (run_id, key, record, active) VALUES (?, ?, ?, ?) ' +
        'ON CONFLICT (run_id, key) DO UPDATE SET record = excluded.record, active = excluded.active',
    );
    this.selectRunItems = db.prepare('SELECT key, record FROM items WHERE run_id = ?');
    // by run id, on the partial index of the active runs: a page resumes after the last id it gave
    this.selectActive = db.prepare(
      'SELECT run_id FROM items WHERE active = 1 AND run_id > ? ORDER BY run_id LIMIT ?',
    );
    this.insertPlan = db.prepare(
      'INSERT INTO plans (name, version, plan) VALUES (?, ?, ?) ON CONFLICT (name, version) DO NOTHING',
    );
    this.selectPlan = db.prepare('SELECT plan FROM plans WHERE name = ? AND version = ?');
    this.dataVersion = db.prepare('PRAGMA data_version');
    this.seenVersion = this.readDataVersion();
  }

  /**
   * Whether another connection (another store, another process) has committed to the file since the last
   * call (or since this store opened). Cheap enough to poll: it reads a counter, not the data.
   */
  changedElsewhere(): boolean {
    const version = this.readDataVersion();
    const changed = version !== this.seenVersion;
    this.seenVersion = version;
    return changed;
  }

  async savePlan(plan: Plan): Promise<void> {
    // a version's content never changes: the first writer wins and the others have nothing to add
    this.insertPlan.run(plan.name, plan.version, JSON.stringify(plan));
  }

  async loadPlan(name: string, version: string): Promise<Plan | undefined> {
    const row = this.selectPlan.get(name, version);
    return row ? (JSON.parse(row.plan as string) as Plan) : undefined;
  }

  async createRun(op: NewRunOp): RunCas {
    return this.change('createRun', op.runId, RUN_KEY, RUNS, op, next.createRun);
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const row = this.selectItem.get(runId, RUN_KEY);
    return row ? decodeRun(runId, row.record as string) : undefined;
  }

  async getTask(runId: string, taskId: string): Promise<TaskRecord | undefined> {
    const row = this.selectItem.get(runId, taskId);
    return row ? decodeTask(taskId, row.record as string) : undefined;
  }

  async loadRun(runId: string): Promise<RunState | undefined> {
    let run: RunRecord | undefined;
    const tasks = new Map<string, TaskRecord>();
    for (const row of this.selectRunItems.all(runId)) {
      const key = row.key as string;
      if (key === RUN_KEY) run = decodeRun(runId, row.record as string);
      else tasks.set(key, decodeTask(key, row.record as string));
    }
    return run ? { run, tasks } : undefined;
  }

  async activeRuns(page: { readonly limit: number; readonly after?: string }): Promise<ActiveRunsPage> {
    const runIds = this.selectActive.all(page.after ?? '', page.limit).map((row) => row.run_id as string);
    const last = runIds.at(-1);
    return runIds.length === page.limit && last !== undefined ? { runIds, next: last } : { runIds };
  }

  async claimTask(op: ClaimTaskOp): TaskCas {
    return this.task('claim', op, next.claimTask);
  }

  async renewLease(op: RenewLeaseOp): TaskCas {
    return this.task('heartbeat', op, next.renewLease);
  }

  async checkpoint(op: CheckpointOp): TaskCas {
    return this.task('checkpoint', op, next.checkpoint);
  }

  async sleepTask(op: SleepTaskOp): TaskCas {
    return this.task('sleep', op, next.sleepTask);
  }

  async retryTask(op: RetryTaskOp): TaskCas {
    return this.task('retry', op, next.retryTask);
  }

  async endTask(op: EndTaskOp): TaskCas {
    return this.task('fail', op, next.endTask);
  }

  async copyEdge(op: CopyEdgeOp): TaskCas {
    return this.change('edge', op.runId, op.to, TASKS, op, next.copyEdge);
  }

  async claimByEdge(op: ClaimByEdgeOp): TaskCas {
    return this.change('edgeClaim', op.runId, op.to, TASKS, op, next.claimByEdge);
  }

  async skipTask(op: SkipTaskOp): TaskCas {
    return this.task('skip', op, next.skipTask);
  }

  async openCallback(op: OpenCallbackOp): TaskCas {
    return this.task('openCallback', op, next.openCallback);
  }

  async awaitCallback(op: AwaitCallbackOp): TaskCas {
    return this.task('awaitCallback', op, next.awaitCallback);
  }

  async completeCallback(op: CompleteCallbackOp): TaskCas {
    return this.task('completeCallback', op, next.completeCallback);
  }

  async countMapItem(op: CountMapItemOp): TaskCas {
    return this.task('countMapItem', op, next.countMapItem);
  }

  async getSlot(key: string): Promise<SlotRecord | undefined> {
    const row = this.selectItem.get(slotPartition(key), RUN_KEY);
    return row ? SLOTS.decode('', '', row.record as string) : undefined;
  }

  async acquireSlot(op: AcquireSlotOp): Promise<{ readonly record: SlotRecord } & Admission> {
    let before: SlotRecord | undefined;
    const outcome = this.change('acquireSlot', slotPartition(op.key), RUN_KEY, SLOTS, op, (current, o) => {
      before = current;
      return acquireSlot(current, o);
    });
    if (!outcome.ok) throw new WeftError('store.slot', `acquiring a slot of '${op.key}' wrote nothing`);
    return { record: outcome.record, ...admission(before, outcome.record, op.holder) };
  }

  async releaseSlot(op: ReleaseSlotOp): Promise<CasOutcome<SlotRecord>> {
    return this.change('releaseSlot', slotPartition(op.key), RUN_KEY, SLOTS, op, releaseSlot);
  }

  async evictSlot(op: EvictSlotOp): Promise<CasOutcome<SlotRecord>> {
    return this.change('evictSlot', slotPartition(op.key), RUN_KEY, SLOTS, op, evictSlot);
  }

  async heartbeatCallback(op: HeartbeatCallbackOp): TaskCas {
    return this.task('callbackHeartbeat', op, next.heartbeatCallback);
  }

  async cancelWait(op: CancelWaitOp): TaskCas {
    return this.task('cancelWait', op, next.cancelWait);
  }

  async flagStopping(op: TaskRefOp): TaskCas {
    return this.task('flagStopping', op, next.flagStopping);
  }

  async releaseTask(op: ReleaseTaskOp): TaskCas {
    return this.task('release', op, next.releaseTask);
  }

  async dispatchCompensation(op: DispatchCompensationOp): TaskCas {
    return this.task('dispatchCompensation', op, next.dispatchCompensation);
  }

  async claimCompensation(op: ClaimCompensationOp): TaskCas {
    return this.task('claimCompensation', op, next.claimCompensation);
  }

  async renewCompensationLease(op: RenewLeaseOp): TaskCas {
    return this.task('compensationHeartbeat', op, next.renewCompensationLease);
  }

  async finishCompensation(op: FinishCompensationOp): TaskCas {
    return this.task('finishCompensation', op, next.finishCompensation);
  }

  async retryCompensation(op: RetryCompensationOp): TaskCas {
    return this.task('retryCompensation', op, next.retryCompensation);
  }

  async releaseCompensation(op: ReleaseTaskOp): TaskCas {
    return this.task('releaseCompensation', op, next.releaseCompensation);
  }

  async pauseRun(op: PauseRunOp): RunCas {
    return this.change('pauseRun', op.runId, RUN_KEY, RUNS, op, next.pauseRun);
  }

  async holdTask(op: HoldTaskOp): TaskCas {
    return this.task('holdTask', op, next.holdTask);
  }

  async retainTask(op: TaskRefOp): TaskCas {
    // the embedded store forgets nothing on its own: nothing to retain, only whether the task exists
    return this.task('retainTask', op, (current) => current);
  }

  async redriveRun(op: RedriveRunOp): RunCas {
    return this.change('redriveRun', op.runId, RUN_KEY, RUNS, op, next.redriveRun);
  }

  async releaseHold(op: ReleaseHoldOp): TaskCas {
    return this.task('releaseHold', op, next.releaseHold);
  }

  async resetTask(op: ResetTaskOp): TaskCas {
    return this.task('resetTask', op, next.resetTask);
  }

  async countSink(op: CountSinkOp): RunCas {
    return this.change('sink', op.runId, RUN_KEY, RUNS, op, next.countSink);
  }

  async countLastSink(op: CountLastSinkOp): RunCas {
    return this.change('sink', op.runId, RUN_KEY, RUNS, op, next.countLastSink);
  }

  async finishRun(op: FinishRunOp): RunCas {
    return this.change('finishRun', op.runId, RUN_KEY, RUNS, op, next.finishRun);
  }

  async stopRun(op: StopRunOp): RunCas {
    return this.change('stopRun', op.runId, RUN_KEY, RUNS, op, next.stopRun);
  }

  async answerRun(op: AnswerRunOp): RunCas {
    return this.change('answerRun', op.runId, RUN_KEY, RUNS, op, next.answerRun);
  }

  async revertRun(op: RevertRunOp): RunCas {
    return this.change('revertRun', op.runId, RUN_KEY, RUNS, op, next.revertRun);
  }

  async finishRollback(op: FinishRollbackOp): RunCas {
    return this.change('finishRollback', op.runId, RUN_KEY, RUNS, op, next.finishRollback);
  }

  async close(): Promise<void> {
    this.db.close();
  }

  private readDataVersion(): number {
    return Number(this.dataVersion.get()?.data_version ?? 0);
  }

  private task<O extends TaskRefOp>(
    kind: string,
    op: O,
    transition: (current: TaskRecord | undefined, op: O) => TaskRecord | undefined,
  ): CasOutcome<TaskRecord> {
    return this.change(kind, op.runId, op.taskId, TASKS, op, transition);
  }

  /** One compare-and-set, as one write transaction; counted as DynamoDbRunStore counts its requests. */
  private change<R, O>(
    kind: string,
    runId: string,
    key: string,
    codec: Codec<R>,
    op: O,
    transition: (current: R | undefined, op: O) => R | undefined,
  ): CasOutcome<R> {
    this.metrics.casAttempt(kind);
    // IMMEDIATE takes the write lock before the read, so no other connection writes between the two
    this.begin.run();
    try {
      const row = this.selectItem.get(runId, key);
      const stored = row?.record as string | undefined;
      const current = stored === undefined ? undefined : codec.decode(runId, key, stored);
      const record = transition(current, op);
      if (record !== undefined) {
        const text = codec.encode(record);
        if (text !== stored) this.upsertItem.run(runId, key, text, codec.active(record));
      }
      this.commit.run();
      if (record !== undefined) return { ok: true, record };
      this.metrics.casConflict(kind);
      return current === undefined ? { ok: false } : { ok: false, current };
    } catch (error) {
      if (this.db.isTransaction) this.rollback.run();
      throw error;
    }
  }
}

/** Creates the tables of a new database; refuses a file laid out by another version of weft. */
function migrate(db: DatabaseSync): void {
  const version = Number(db.prepare('PRAGMA user_version').get()?.user_version ?? 0);
  if (version === SCHEMA_VERSION) return;
  if (version !== 0) {
    throw new WeftError(
      'store.layoutVersion',
      `the SQLite database has layout version ${version}, this weft reads version ${SCHEMA_VERSION}: ` +
        'use the weft that wrote it, or start from a new file',
    );
  }
  db.exec(`BEGIN IMMEDIATE; ${SCHEMA} PRAGMA user_version = ${SCHEMA_VERSION}; COMMIT;`);
}
