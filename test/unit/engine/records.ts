import { newTask } from '../../../src/engine/transitions/records.ts';
import type { RunRecord, TaskRecord } from '../../../src/engine/types.ts';

/** A task record with defaults, for pure decision tests. */
export function task(taskId: string, fields: Partial<TaskRecord> = {}): TaskRecord {
  return { ...newTask(taskId), ...fields };
}

export function run(fields: Partial<RunRecord> = {}): RunRecord {
  return {
    runId: 'r1',
    workflow: 'w',
    planVersion: 'v1',
    input: 'null',
    inputHash: 'h',
    status: 'running',
    rollback: 'none',
    lamport: 1,
    sinksDone: [],
    sinkLamports: {},
    createdAt: 0,
    events: [],
    ...fields,
  };
}

export function byId(...records: TaskRecord[]): Map<string, TaskRecord> {
  return new Map(records.map((r) => [r.taskId, r]));
}
