/**
 * One rule for the ids clients choose, everywhere (API, command line, programmatic API, triggers): run
 * ids become storage keys, so they take a conservative alphabet; idempotency keys and event ids are hashed
 * into run ids, so any visible ASCII will do. Run ids starting with `key-` are reserved for the runs keys
 * map to, so that no client-chosen run id can squat on an idempotency key.
 */
import { randomUUID } from 'node:crypto';
import { sha256 } from './canonical-json.ts';

const RUN_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;
export const RUN_ID_RULE =
  "letters, digits, '_', '.', ':' or '-', 1 to 128 characters, not starting with 'key-'";
const KEY_PATTERN = /^[\x21-\x7e]{1,256}$/;
export const KEY_RULE = '1 to 256 visible ASCII characters (no spaces)';
/** The prefix of the run ids that idempotency keys map to: no client may choose such an id. */
const KEY_RUN_PREFIX = 'key-';

/**
 * The run id an idempotency key maps to in a workflow: the same key always names the same run of that
 * workflow, and the same key in another workflow another run (a caller allowed to start one workflow cannot
 * take a key away from another's callers).
 */
export function runIdForKey(workflow: string, key: string): string {
  return `${KEY_RUN_PREFIX}${sha256(`${workflow}\n${key}`).slice(0, 40)}`;
}

/** The id a submission's run gets: the one chosen, the one its idempotency key maps to, or a new one. */
export function runIdOf(request: {
  readonly workflow: string;
  readonly runId?: string;
  readonly idempotencyKey?: string;
}): string {
  return (
    request.runId ??
    (request.idempotencyKey ? runIdForKey(request.workflow, request.idempotencyKey) : randomUUID())
  );
}

/** Why a client-chosen run id is refused, or undefined when it is fine. */
export function runIdProblem(runId: string): string | undefined {
  if (!RUN_ID_PATTERN.test(runId)) return `must be ${RUN_ID_RULE}`;
  if (runId.startsWith(KEY_RUN_PREFIX)) {
    return "must not start with 'key-': those ids belong to the runs idempotency keys map to (send the key as an idempotency key instead)";
  }
  return undefined;
}

/** Why an idempotency key (or an event id) is refused, or undefined when it is fine. */
export function keyProblem(key: string): string | undefined {
  return KEY_PATTERN.test(key) ? undefined : `must be ${KEY_RULE}`;
}

/** The prefix of the keys the trigger function gives runs started by events and schedules. */
export const EVENT_KEY_PREFIX = 'event:';

/**
 * Why an idempotency key a client sends is refused: the rule for keys, and not in the namespace of the runs
 * events start (a client could otherwise take an event's run first, with its own input).
 */
export function clientKeyProblem(key: string): string | undefined {
  const problem = keyProblem(key);
  if (problem !== undefined) return problem;
  return key.startsWith(EVENT_KEY_PREFIX)
    ? `must not start with '${EVENT_KEY_PREFIX}': those keys belong to the runs events and schedules start`
    : undefined;
}

/** Ids weft gives child runs: the parent's id, `~`, the task and the attempt's count (see child-run.ts). */
const CHILD_RUN_ID_PATTERN = /^[A-Za-z0-9_.:~-]{1,256}$/;

/** Whether a run id can name a run at all (a client's, a key's or a child's): for lookups only. */
export function isRunId(value: string): boolean {
  return RUN_ID_PATTERN.test(value) || CHILD_RUN_ID_PATTERN.test(value);
}
