/**
 * How the SQLite store lays weft's records out: one row per run and per task, keyed by (run id, key), the
 * record as compact JSON text. Nothing is stored twice: the ids are the key, `depsDone` and `sinksDone` are
 * the keys of the Lamport maps stored beside them, a compensation's attempt is `compensationAttempts`,
 * and fields at their default (0, false, empty) are left out.
 */
import type { RunRecord, TaskRecord } from '../engine/types.ts';

/** The key of a run's own record; task ids are never empty. */
export const RUN_KEY = '';

/** Bumped when the layout changes, so that an old file is recognised rather than misread. */
export const SCHEMA_VERSION = 1;

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS items (
  run_id TEXT NOT NULL,
  key TEXT NOT NULL,
  record TEXT NOT NULL,
  active INTEGER,
  PRIMARY KEY (run_id, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS items_active ON items (run_id) WHERE active = 1;
CREATE TABLE IF NOT EXISTS plans (
  name TEXT NOT NULL,
  version TEXT NOT NULL,
  plan TEXT NOT NULL,
  PRIMARY KEY (name, version)
) WITHOUT ROWID;
`;

type Stored = Record<string, unknown>;

const isEmpty = (value: unknown): boolean =>
  Array.isArray(value) ? value.length === 0 : Object.keys(value as object).length === 0;

/** A task record as stored. */
export function encodeTask(record: TaskRecord): string {
  const stored: Stored = {};
  for (const [key, value] of Object.entries(record)) {
    switch (key) {
      case 'taskId':
      case 'depsDone':
        continue;
      case 'attempt':
      case 'failures':
      case 'takeovers':
      case 'lamport':
        if (value === 0) continue;
        break;
      case 'stopping':
        if (value === false) continue;
        break;
      case 'events':
      case 'depOutputs':
      case 'depLamports':
        if (isEmpty(value)) continue;
        break;
      case 'compensation': {
        const { attempt: _attempt, ...rest } = value as NonNullable<TaskRecord['compensation']>;
        stored[key] = rest;
        continue;
      }
    }
    stored[key] = value;
  }
  return JSON.stringify(stored);
}

/** A stored task record, read back. */
export function decodeTask(taskId: string, text: string): TaskRecord {
  const stored = JSON.parse(text) as Stored & Partial<TaskRecord>;
  const depLamports = stored.depLamports ?? {};
  const record: TaskRecord = {
    taskId,
    status: 'pending',
    attempt: 0,
    failures: 0,
    takeovers: 0,
    depOutputs: {},
    depLamports,
    lamport: 0,
    stopping: false,
    events: [],
    ...stored,
    depsDone: Object.keys(depLamports).sort(),
  };
  if (!stored.compensation) return record;
  return { ...record, compensation: { ...stored.compensation, attempt: stored.compensationAttempts ?? 0 } };
}

/** A run record as stored. */
export function encodeRun(record: RunRecord): string {
  const { runId: _runId, sinksDone: _sinksDone, sinkLamports, ...stored } = record;
  return JSON.stringify(isEmpty(sinkLamports) ? stored : { ...stored, sinkLamports });
}

/** A stored run record, read back. */
export function decodeRun(runId: string, text: string): RunRecord {
  const stored = JSON.parse(text) as Omit<RunRecord, 'runId' | 'sinksDone'>;
  const sinkLamports = stored.sinkLamports ?? {};
  return { runId, ...stored, sinkLamports, sinksDone: Object.keys(sinkLamports).sort() };
}
