/**
 * The store port: what the runtime needs from durable storage. Writes are conditional updates built by the
 * pure request builders beside this file; the adapter only sends them and maps the outcome.
 */
import type { PutCommandInput, UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import type { RunRecord, TaskRecord } from '../engine/types.ts';
import type { Plan } from '../workflow/plan.ts';

/** The outcome of a compare-and-set: the new record, or the current one when the precondition failed. */
export type CasOutcome<T> =
  | { readonly ok: true; readonly record: T }
  | { readonly ok: false; readonly current?: T };

/** A run and every task record it has so far, by task id. */
export interface RunState {
  readonly run: RunRecord;
  readonly tasks: ReadonlyMap<string, TaskRecord>;
}

export interface RunStore {
  /** The table the request builders address. */
  readonly tableName: string;
  /** Stores a plan version, if absent (versions are immutable). */
  savePlan(plan: Plan): Promise<void>;
  loadPlan(name: string, version: string): Promise<Plan | undefined>;
  /** Creates the run unless one has its id; the loser of that race gets the existing run. */
  createRun(request: PutCommandInput): Promise<CasOutcome<RunRecord>>;
  getRun(runId: string): Promise<RunRecord | undefined>;
  /** The run and all its task items (strongly consistent). */
  loadRun(runId: string): Promise<RunState | undefined>;
  /** Ids of the runs in the active index (not final). */
  activeRunIds(): Promise<string[]>;
  /** Sends a conditional update of a task item; `kind` labels the CAS metrics. */
  updateTask(kind: string, request: UpdateCommandInput): Promise<CasOutcome<TaskRecord>>;
  /** Sends a conditional update of a run item; `kind` labels the CAS metrics. */
  updateRun(kind: string, request: UpdateCommandInput): Promise<CasOutcome<RunRecord>>;
}
