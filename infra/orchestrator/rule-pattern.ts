/**
 * What a deployed `on:` rule accepts: the sources its pattern names and the accounts the deployment allows.
 * Pure: the rules construct applies the pattern and reports the problems.
 *
 * A pattern that names no `source` would start its workflow for any event on the bus; one without `account`
 * for an event any account allowed to put events on the bus sent. So a rule's pattern must name its sources
 * (exact values, or a non-empty `prefix`), and gets `account` set to the deployment's own account and the
 * accounts given (`triggerAccounts`), unless it names accounts itself, which must be among those.
 */
import type { EventPattern } from '../../src/triggers/event-pattern.ts';

/** Twelve digits, as AWS writes an account id. */
const ACCOUNT_ID = /^\d{12}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether one matcher of `source` names sources: an exact string, or `{ prefix: '<non-empty>' }`. */
function namesSources(matcher: unknown): boolean {
  if (typeof matcher === 'string') return matcher !== '';
  if (!isRecord(matcher)) return false;
  const keys = Object.keys(matcher);
  return keys.length === 1 && typeof matcher.prefix === 'string' && matcher.prefix !== '';
}

/** Whether every event the pattern matches has a source it names: at the top, or in every `$or` branch. */
function limitsSource(pattern: Readonly<Record<string, unknown>>): boolean {
  if (Object.hasOwn(pattern, 'source')) {
    const source = pattern.source;
    return Array.isArray(source) && source.length > 0 && source.every(namesSources);
  }
  const branches = pattern.$or;
  return (
    Array.isArray(branches) && branches.length > 0 && branches.every((b) => isRecord(b) && limitsSource(b))
  );
}

function branchNamesAccount(pattern: Readonly<Record<string, unknown>>): boolean {
  const branches = pattern.$or;
  return (
    Array.isArray(branches) &&
    branches.some((b) => isRecord(b) && (Object.hasOwn(b, 'account') || branchNamesAccount(b)))
  );
}

/** The accounts a deployment's rules accept events from, besides its own. */
export function triggerAccountsProblem(accounts: readonly string[]): string | undefined {
  const bad = accounts.filter((account) => !ACCOUNT_ID.test(account));
  return bad.length === 0
    ? undefined
    : `triggerAccounts: each must be a 12-digit AWS account id, got ${bad.map((a) => `'${a}'`).join(', ')}`;
}

/**
 * Why a trigger's pattern cannot be deployed as is, or undefined. `allowed` are the accounts known to be
 * allowed as literals (the `triggerAccounts`, and the stack's own account when it is not a token).
 *
 * @example
 * patternProblem({ 'detail-type': ['Order Placed'] }, []); // 'its pattern names no source: ...'
 */
export function patternProblem(pattern: EventPattern, allowed: readonly string[]): string | undefined {
  if (!limitsSource(pattern)) {
    return "its pattern names no source (or a source matcher other than exact values or a non-empty prefix), so any caller allowed to put events on the bus could start it; name the sources, e.g. source: ['shop.orders']";
  }
  if (branchNamesAccount(pattern)) {
    return "its pattern names 'account' inside '$or'; name the accounts at the top of the pattern";
  }
  if (!Object.hasOwn(pattern, 'account')) return undefined;
  const accounts = pattern.account;
  if (!Array.isArray(accounts) || accounts.length === 0 || !accounts.every((a) => typeof a === 'string')) {
    return "its pattern's 'account' must list account ids";
  }
  const outside = accounts.filter((account) => !allowed.includes(account));
  return outside.length === 0
    ? undefined
    : `its pattern accepts events from ${outside.map((a) => `'${a}'`).join(', ')}, which the deployment does not allow; add ${outside.length > 1 ? 'them' : 'it'} to triggerAccounts (-c weft:triggerAccounts=...)`;
}

/** The pattern as the rule gets it: its own `account`, or the deployment's accounts. */
export function scopedPattern(pattern: EventPattern, accounts: readonly string[]): EventPattern {
  return Object.hasOwn(pattern, 'account') ? pattern : { ...pattern, account: [...accounts] };
}
