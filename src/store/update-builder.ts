import type { UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import type { StoredEvent } from '../engine/types.ts';

/** The parts of a conditional UpdateItem, before they are assembled into a request. */
export interface UpdateParts {
  readonly set: readonly string[];
  readonly add?: readonly string[];
  /** Elements taken out of sets (`DELETE depsDone :drop`). */
  readonly delete?: readonly string[];
  readonly remove?: readonly string[];
  /** The precondition: every state change is a compare-and-set. */
  readonly condition: string;
  readonly names?: Readonly<Record<string, string>>;
  readonly values: Readonly<Record<string, unknown>>;
}

/** Names every statement may use without declaring them. */
const COMMON_NAMES: Readonly<Record<string, string>> = { '#st': 'st', '#owner': 'owner' };

/**
 * Assembles a conditional UpdateItem that returns the new item, and on a lost race the current one
 * (`ALL_OLD`), so the loser learns the winner's state without another read where DynamoDB provides it.
 */
export function conditionalUpdate(
  tableName: string,
  key: { pk: string; sk: string },
  parts: UpdateParts,
): UpdateCommandInput {
  const clauses = parts.set.length > 0 ? [`SET ${parts.set.join(', ')}`] : [];
  if (parts.add?.length) clauses.push(`ADD ${parts.add.join(', ')}`);
  if (parts.delete?.length) clauses.push(`DELETE ${parts.delete.join(', ')}`);
  if (parts.remove?.length) clauses.push(`REMOVE ${parts.remove.join(', ')}`);
  const text = `${clauses.join(' ')} ${parts.condition}`;
  const names = Object.fromEntries(
    Object.entries({ ...COMMON_NAMES, ...parts.names }).filter(([name]) => text.includes(name)),
  );
  return {
    TableName: tableName,
    Key: key,
    UpdateExpression: clauses.join(' '),
    ConditionExpression: parts.condition,
    ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
    ExpressionAttributeValues: { ...parts.values },
    ReturnValues: 'ALL_NEW',
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  };
}

/** `events = list_append(if_not_exists(events, :empty), :ev)`: appends the write's history entries. */
export const APPEND_EVENTS = 'events = list_append(if_not_exists(events, :empty), :ev)';

/** The values {@link APPEND_EVENTS} reads: the write's history entry, after any it records `before` it. */
export function appendEventValues(
  event: StoredEvent,
  before: readonly StoredEvent[] = [],
): { ':empty': []; ':ev': StoredEvent[] } {
  return { ':empty': [], ':ev': [...before, event] };
}

/** The clauses that record a write's dispatch time (`Dispatching`): SET when the write brings one, else REMOVE. */
export interface DispatchClause {
  readonly set: readonly string[];
  readonly remove: readonly string[];
  readonly values: Readonly<Record<string, unknown>>;
}

/**
 * Records `dispatchedAt` in `attribute` (`dispatchedAt` on a task or run item, `cdispatched` for a
 * compensation), or removes it, as the transitions' `withDispatch` does.
 */
export function dispatchClause(attribute: string, dispatchedAt: number | undefined): DispatchClause {
  if (dispatchedAt === undefined) return { set: [], remove: [attribute], values: {} };
  return { set: [`${attribute} = :dispatched`], remove: [], values: { ':dispatched': dispatchedAt } };
}
