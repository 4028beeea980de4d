import { randomBytes } from 'node:crypto';

/**
 * A callback token: where the task is (run, task, attempt), readable, and 24 random bytes that make it
 * unguessable. The store keeps it on the task until one completion is accepted; the readable part only
 * finds the task, the whole token must match.
 */
const PREFIX = 'wcb1';

/** What a token names. */
export interface CallbackAddress {
  readonly runId: string;
  readonly taskId: string;
  readonly attempt: number;
}

/**
 * A fresh token for one attempt of a callback task.
 *
 * @example
 * newCallbackToken({ runId: 'r1', taskId: 'approve', attempt: 1 }); // 'wcb1.WyJyMSIsImFwcHJvdmUiLDFd.…'
 */
export function newCallbackToken(address: CallbackAddress): string {
  const where = Buffer.from(JSON.stringify([address.runId, address.taskId, address.attempt])).toString(
    'base64url',
  );
  return `${PREFIX}.${where}.${randomBytes(24).toString('base64url')}`;
}

/** The address a token names, or undefined for text that is no weft callback token. */
export function parseCallbackToken(token: string): CallbackAddress | undefined {
  const [prefix, where, secret, ...rest] = token.split('.');
  if (prefix !== PREFIX || where === undefined || secret === undefined || rest.length > 0) return undefined;
  if (!/^[A-Za-z0-9_-]{32}$/.test(secret)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(where, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 3) return undefined;
  const [runId, taskId, attempt] = parsed as unknown[];
  if (typeof runId !== 'string' || typeof taskId !== 'string') return undefined;
  if (typeof attempt !== 'number' || !Number.isInteger(attempt) || attempt < 1) return undefined;
  return { runId, taskId, attempt };
}
