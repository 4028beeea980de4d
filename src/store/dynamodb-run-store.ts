import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
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
import type { RunRecord, TaskRecord } from '../engine/types.ts';
import { WeftError } from '../errors.ts';
import type { EngineMetrics } from '../runtime/metrics.ts';
import type { Plan } from '../workflow/plan.ts';
import { queryActiveRuns } from './active-runs.ts';
import {
  awaitCallbackRequest,
  cancelWaitRequest,
  completeCallbackRequest,
  countMapItemRequest,
  heartbeatCallbackRequest,
  openCallbackRequest,
} from './callback-requests.ts';
import {
  claimCompensationRequest,
  dispatchCompensationRequest,
  finishCompensationRequest,
  releaseCompensationRequest,
  renewCompensationLeaseRequest,
  retryCompensationRequest,
} from './compensation-requests.ts';
import {
  type Item,
  planPk,
  planSkPrefix,
  RUN_SK,
  runPk,
  TASK_SK_PREFIX,
  taskSk,
  toRunRecord,
  toTaskRecord,
} from './item-layout.ts';
import {
  holdTaskRequest,
  pauseRunRequest,
  redriveRunRequest,
  releaseHoldRequest,
  resetTaskRequest,
  retainTaskRequest,
} from './redrive-requests.ts';
import {
  answerRunRequest,
  countLastSinkRequest,
  countSinkRequest,
  createRunRequest,
  finishRollbackRequest,
  finishRunRequest,
  revertRunRequest,
  stopRunRequest,
} from './run-requests.ts';
import type { ActiveRunsPage, CasOutcome, RunState, RunStore } from './run-store.ts';
import { putSlotRequest, slotKey, toSlotRecord } from './slot-requests.ts';
import {
  checkpointRequest,
  claimByEdgeRequest,
  claimTaskRequest,
  copyEdgeRequest,
  endTaskRequest,
  flagStoppingRequest,
  releaseTaskRequest,
  renewLeaseRequest,
  retryTaskRequest,
  skipTaskRequest,
  sleepTaskRequest,
} from './task-requests.ts';

type TaskCas = Promise<CasOutcome<TaskRecord>>;
type RunCas = Promise<CasOutcome<RunRecord>>;

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);
/** Plans are stored gzipped in chunks, so a 10,000-task plan fits in 400 KB items. */
const PLAN_CHUNK_BYTES = 300 * 1024;

/**
 * The store on DynamoDB through lib-dynamodb. Each operation is one conditional request built by the pure
 * builders beside this file (their ConditionExpressions are the engine's preconditions, restated); a failed
 * condition is counted as a CAS conflict and answered with the current item (from `ALL_OLD`, or a
 * consistent read when the endpoint does not return it, as dynalite does not).
 *
 * @example
 * const store = new DynamoDbRunStore(new DynamoDBClient({}), 'weft', noopMetrics);
 */
/** Compare-and-set attempts of one slot transition before a hot key is reported. */
const SLOT_CAS_ATTEMPTS = 20;
/** The longest pause (ms) between two of them: a random one up to 2^attempt ms, so racers spread out. */
const SLOT_CAS_MAX_PAUSE_MS = 64;

export class DynamoDbRunStore implements RunStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    readonly tableName: string,
    private readonly metrics: EngineMetrics,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    });
  }

  async savePlan(plan: Plan): Promise<void> {
    const packed = await gzipAsync(Buffer.from(JSON.stringify(plan)));
    const chunks = Math.max(1, Math.ceil(packed.length / PLAN_CHUNK_BYTES));
    for (let i = 0; i < chunks; i += 1) {
      const request: PutCommandInput = {
        TableName: this.tableName,
        Item: {
          pk: planPk(plan.name),
          sk: `${planSkPrefix(plan.version)}${String(i).padStart(4, '0')}`,
          chunks,
          data: packed.subarray(i * PLAN_CHUNK_BYTES, (i + 1) * PLAN_CHUNK_BYTES),
        },
        // a version's content never changes: the first writer wins and the others have nothing to add
        ConditionExpression: 'attribute_not_exists(pk)',
      };
      try {
        await this.doc.send(new PutCommand(request));
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
  }

  async loadPlan(name: string, version: string): Promise<Plan | undefined> {
    const items = await this.queryAll({
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': planPk(name), ':prefix': planSkPrefix(version) },
      ConsistentRead: true,
    });
    const expected = Number(items[0]?.chunks ?? 0);
    if (items.length === 0 || items.length !== expected) return undefined;
    const packed = Buffer.concat(items.map((item) => Buffer.from(item.data as Uint8Array)));
    return JSON.parse((await gunzipAsync(packed)).toString('utf8')) as Plan;
  }

  async createRun(run: NewRunOp): Promise<CasOutcome<RunRecord>> {
    const request = createRunRequest(this.tableName, run);
    this.metrics.casAttempt('createRun');
    try {
      await this.doc.send(new PutCommand(request));
      return { ok: true, record: toRunRecord(request.Item as Item) };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      this.metrics.casConflict('createRun');
      const current = error.Item ? toRunRecord(unmarshall(error.Item)) : await this.getRun(run.runId);
      return current ? { ok: false, current } : { ok: false };
    }
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const item = await this.getItem(runPk(runId), RUN_SK);
    return item ? toRunRecord(item) : undefined;
  }

  async getSlot(key: string): Promise<SlotRecord | undefined> {
    const { pk, sk } = slotKey(key);
    const item = await this.getItem(pk, sk);
    return item ? toSlotRecord(item) : undefined;
  }

  async acquireSlot(op: AcquireSlotOp): Promise<{ readonly record: SlotRecord } & Admission> {
    let before: SlotRecord | undefined;
    const outcome = await this.slot('acquireSlot', op.key, (current) => {
      // of the read the write is conditional on: the last try's is the one that counts
      before = current;
      return acquireSlot(current, op);
    });
    if (!outcome.ok) throw new Error(`acquiring a slot of '${op.key}' wrote nothing`);
    return { record: outcome.record, ...admission(before, outcome.record, op.holder) };
  }

  releaseSlot(op: ReleaseSlotOp): Promise<CasOutcome<SlotRecord>> {
    return this.slot('releaseSlot', op.key, (current) => releaseSlot(current, op));
  }

  evictSlot(op: EvictSlotOp): Promise<CasOutcome<SlotRecord>> {
    return this.slot('evictSlot', op.key, (current) => evictSlot(current, op));
  }

  /**
   * A slot transition as an optimistic compare-and-set: read the item, apply the transition, Put it on
   * condition of the version read; a lost race starts again from the winner's item (ALL_OLD).
   */
  private async slot(
    kind: string,
    key: string,
    transition: (current: SlotRecord | undefined) => SlotRecord | undefined,
  ): Promise<CasOutcome<SlotRecord>> {
    const { pk, sk } = slotKey(key);
    let item = await this.getItem(pk, sk);
    for (let attempt = 0; attempt < SLOT_CAS_ATTEMPTS; attempt += 1) {
      const current = item ? toSlotRecord(item) : undefined;
      const record = transition(current);
      if (record === undefined) return current ? { ok: false, current } : { ok: false };
      if (current && record.version === current.version) return { ok: true, record };
      this.metrics.casAttempt(kind);
      try {
        await this.doc.send(new PutCommand(putSlotRequest(this.tableName, record, current?.version ?? 0)));
        return { ok: true, record };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        this.metrics.casConflict(kind);
        // a hot key: racers that retried at once would collide again
        const pause = Math.random() * Math.min(SLOT_CAS_MAX_PAUSE_MS, 2 ** attempt);
        await new Promise((resolve) => setTimeout(resolve, pause));
        item = error.Item ? unmarshall(error.Item) : await this.getItem(pk, sk);
      }
    }
    throw new WeftError(
      'store.contention',
      `the slots of '${key}' changed under ${SLOT_CAS_ATTEMPTS} attempts in a row; try again`,
    );
  }

  async getTask(runId: string, taskId: string): Promise<TaskRecord | undefined> {
    const item = await this.getItem(runPk(runId), taskSk(taskId));
    return item ? toTaskRecord(item) : undefined;
  }

  async loadRun(runId: string): Promise<RunState | undefined> {
    const items = await this.queryAll({
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': runPk(runId) },
      ConsistentRead: true,
    });
    const runItem = items.find((item) => item.sk === RUN_SK);
    if (!runItem) return undefined;
    const tasks = new Map<string, TaskRecord>();
    for (const item of items) {
      if (typeof item.sk === 'string' && item.sk.startsWith(TASK_SK_PREFIX)) {
        const record = toTaskRecord(item);
        tasks.set(record.taskId, record);
      }
    }
    return { run: toRunRecord(runItem), tasks };
  }

  activeRuns(page: { readonly limit: number; readonly after?: string }): Promise<ActiveRunsPage> {
    return queryActiveRuns(this.doc, this.tableName, page);
  }

  claimTask(op: ClaimTaskOp): TaskCas {
    return this.task('claim', claimTaskRequest(this.on(op)));
  }

  renewLease(op: RenewLeaseOp): TaskCas {
    return this.task('heartbeat', renewLeaseRequest(this.on(op)));
  }

  checkpoint(op: CheckpointOp): TaskCas {
    return this.task('checkpoint', checkpointRequest(this.on(op)));
  }

  sleepTask(op: SleepTaskOp): TaskCas {
    return this.task('sleep', sleepTaskRequest(this.on(op)));
  }

  retryTask(op: RetryTaskOp): TaskCas {
    return this.task('retry', retryTaskRequest(this.on(op)));
  }

  endTask(op: EndTaskOp): TaskCas {
    return this.task('fail', endTaskRequest(this.on(op)));
  }

  copyEdge(op: CopyEdgeOp): TaskCas {
    return this.task('edge', copyEdgeRequest(this.on(op)));
  }

  claimByEdge(op: ClaimByEdgeOp): TaskCas {
    return this.task('edgeClaim', claimByEdgeRequest(this.on(op)));
  }

  skipTask(op: SkipTaskOp): TaskCas {
    return this.task('skip', skipTaskRequest(this.on(op)));
  }

  pauseRun(op: PauseRunOp): RunCas {
    return this.run('pauseRun', pauseRunRequest(this.on(op)));
  }

  holdTask(op: HoldTaskOp): TaskCas {
    return this.task('holdTask', holdTaskRequest(this.on(op)));
  }

  retainTask(op: TaskRefOp): TaskCas {
    return this.task('retainTask', retainTaskRequest(this.on(op)));
  }

  redriveRun(op: RedriveRunOp): RunCas {
    return this.run('redriveRun', redriveRunRequest(this.on(op)));
  }

  releaseHold(op: ReleaseHoldOp): TaskCas {
    return this.task('releaseHold', releaseHoldRequest(this.on(op)));
  }

  resetTask(op: ResetTaskOp): TaskCas {
    return this.task('resetTask', resetTaskRequest(this.on(op)));
  }

  openCallback(op: OpenCallbackOp): TaskCas {
    return this.task('openCallback', openCallbackRequest(this.on(op)));
  }

  awaitCallback(op: AwaitCallbackOp): TaskCas {
    return this.task('awaitCallback', awaitCallbackRequest(this.on(op)));
  }

  completeCallback(op: CompleteCallbackOp): TaskCas {
    return this.task('completeCallback', completeCallbackRequest(this.on(op)));
  }

  countMapItem(op: CountMapItemOp): TaskCas {
    return this.task('countMapItem', countMapItemRequest(this.on(op)));
  }

  heartbeatCallback(op: HeartbeatCallbackOp): TaskCas {
    return this.task('callbackHeartbeat', heartbeatCallbackRequest(this.on(op)));
  }

  cancelWait(op: CancelWaitOp): TaskCas {
    return this.task('cancelWait', cancelWaitRequest(this.on(op)));
  }

  flagStopping(op: TaskRefOp): TaskCas {
    return this.task('flagStopping', flagStoppingRequest(this.on(op)));
  }

  releaseTask(op: ReleaseTaskOp): TaskCas {
    return this.task('release', releaseTaskRequest(this.on(op)));
  }

  dispatchCompensation(op: DispatchCompensationOp): TaskCas {
    return this.task('dispatchCompensation', dispatchCompensationRequest(this.on(op)));
  }

  claimCompensation(op: ClaimCompensationOp): TaskCas {
    return this.task('claimCompensation', claimCompensationRequest(this.on(op)));
  }

  renewCompensationLease(op: RenewLeaseOp): TaskCas {
    return this.task('compensationHeartbeat', renewCompensationLeaseRequest(this.on(op)));
  }

  finishCompensation(op: FinishCompensationOp): TaskCas {
    return this.task('finishCompensation', finishCompensationRequest(this.on(op)));
  }

  retryCompensation(op: RetryCompensationOp): TaskCas {
    return this.task('retryCompensation', retryCompensationRequest(this.on(op)));
  }

  releaseCompensation(op: ReleaseTaskOp): TaskCas {
    return this.task('releaseCompensation', releaseCompensationRequest(this.on(op)));
  }

  countSink(op: CountSinkOp): RunCas {
    return this.run('sink', countSinkRequest(this.on(op)));
  }

  countLastSink(op: CountLastSinkOp): RunCas {
    return this.run('sink', countLastSinkRequest(this.on(op)));
  }

  finishRun(op: FinishRunOp): RunCas {
    return this.run('finishRun', finishRunRequest(this.on(op)));
  }

  stopRun(op: StopRunOp): RunCas {
    return this.run('stopRun', stopRunRequest(this.on(op)));
  }

  answerRun(op: AnswerRunOp): RunCas {
    return this.run('answerRun', answerRunRequest(this.on(op)));
  }

  revertRun(op: RevertRunOp): RunCas {
    return this.run('revertRun', revertRunRequest(this.on(op)));
  }

  finishRollback(op: FinishRollbackOp): RunCas {
    return this.run('finishRollback', finishRollbackRequest(this.on(op)));
  }

  private on<T>(op: T): T & { tableName: string } {
    return { ...op, tableName: this.tableName };
  }

  private task(kind: string, request: UpdateCommandInput): TaskCas {
    return this.update(kind, request, toTaskRecord);
  }

  private run(kind: string, request: UpdateCommandInput): RunCas {
    return this.update(kind, request, toRunRecord);
  }

  private async update<T>(
    kind: string,
    request: UpdateCommandInput,
    map: (item: Item) => T,
  ): Promise<CasOutcome<T>> {
    this.metrics.casAttempt(kind);
    try {
      const result = await this.doc.send(new UpdateCommand(request));
      return { ok: true, record: map(result.Attributes ?? {}) };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      this.metrics.casConflict(kind);
      // a lost race is resolved by learning the winner's state, never by overwriting it
      const key = request.Key as { pk: string; sk: string };
      const item = error.Item ? unmarshall(error.Item) : await this.getItem(key.pk, key.sk);
      return item ? { ok: false, current: map(item) } : { ok: false };
    }
  }

  private async getItem(pk: string, sk: string): Promise<Item | undefined> {
    const result = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk, sk }, ConsistentRead: true }),
    );
    return result.Item;
  }

  private async queryAll(input: QueryCommandInput): Promise<Item[]> {
    const items: Item[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }
}
