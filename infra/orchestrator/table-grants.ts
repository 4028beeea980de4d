/**
 * What each weft function may do on the runs table: the calls its code makes and nothing more (an
 * integration test records every call each function's runtime makes and checks it against this table).
 *
 * Reads (`GetItem`, `Query`) are the same for all: a run's items and the stored plans. Writes are where they
 * differ, each limited by `dynamodb:LeadingKeys` to the partitions weft writes:
 *
 * - the API and the trigger create runs (`PutItem`: a run's item and, once per version, its plan), and so
 *   does the worker, for child workflows (a `workflow:` task's attempt starts its child run);
 * - the worker, which runs the user's handlers, updates run items only (`UpdateItem` on `RUN#*`: claims,
 *   checkpoints, compensations, a child's answer to its parent), never a stored plan;
 * - the reaper updates run items and alone reads the active-runs index;
 * - the API, the worker and the reaper write concurrency slots (`PutItem` on `SLOT#*`): a run's ends where
 *   its last write is made (a worker's checkpoint, an API's cancel, the reaper's rollback), and a task's
 *   slot is taken and given back by the worker;
 * - the API updates run items too: cancel, redrive, rollback and callback completions are transitions of
 *   the run's own records. IAM cannot tell a checkpoint from those (a callback's completion is one), so the
 *   API's `UpdateItem` is bounded by the partition, not by the attribute.
 */
import { PLAN_PK_PREFIX, RUN_PK_PREFIX } from '../../src/store/item-layout.ts';
import { SLOT_PK_PREFIX } from '../../src/store/slot-requests.ts';
import type { FunctionRole } from './settings.ts';

export type TableAction = 'dynamodb:GetItem' | 'dynamodb:Query' | 'dynamodb:PutItem' | 'dynamodb:UpdateItem';

/** One statement of a function's table policy. */
export interface TableGrant {
  readonly actions: readonly TableAction[];
  /** On the active-runs index instead of the table. */
  readonly index?: true;
  /** The partition key prefixes the actions may touch (`dynamodb:LeadingKeys`); absent: any. */
  readonly leadingKeyPrefixes?: readonly string[];
}

const READ: TableGrant = { actions: ['dynamodb:GetItem', 'dynamodb:Query'] };
const CREATE_RUNS: TableGrant = {
  actions: ['dynamodb:PutItem'],
  leadingKeyPrefixes: [RUN_PK_PREFIX, PLAN_PK_PREFIX],
};
const UPDATE_RUNS: TableGrant = { actions: ['dynamodb:UpdateItem'], leadingKeyPrefixes: [RUN_PK_PREFIX] };
/** Concurrency slots (`concurrency:`): taken before work starts, given back when it ends, wherever that is. */
const SLOTS: TableGrant = { actions: ['dynamodb:PutItem'], leadingKeyPrefixes: [SLOT_PK_PREFIX] };

/** Each function's statements on the table. */
export const TABLE_GRANTS: Readonly<Record<FunctionRole, readonly TableGrant[]>> = {
  api: [READ, CREATE_RUNS, UPDATE_RUNS, SLOTS],
  worker: [READ, CREATE_RUNS, UPDATE_RUNS, SLOTS],
  reaper: [READ, { actions: ['dynamodb:Query'], index: true }, UPDATE_RUNS, SLOTS],
  trigger: [READ, CREATE_RUNS],
};

/** One call a function made: the action, the partition key it named, and whether it queried the index. */
export interface TableCall {
  readonly action: TableAction;
  readonly partitionKey?: string;
  readonly index?: boolean;
}

/** Whether `grants` allow `call`, as IAM would evaluate them. */
export function allowsCall(grants: readonly TableGrant[], call: TableCall): boolean {
  return grants.some(
    (grant) =>
      grant.actions.includes(call.action) &&
      (grant.index === true) === (call.index === true) &&
      (grant.leadingKeyPrefixes === undefined ||
        (call.partitionKey !== undefined &&
          grant.leadingKeyPrefixes.some((prefix) => call.partitionKey?.startsWith(prefix)))),
  );
}
