import type { ContextOrigin } from './context-origin.ts';
import { triggerAccountsProblem } from './orchestrator/rule-pattern.ts';
import {
  type ApiThrottle,
  type FunctionRole,
  HARDENING_LIMITS,
  type IntegerRange,
  type ReservedConcurrency,
  rangeProblem,
} from './orchestrator/settings.ts';

/** The context keys of the deployment's hardening (docs/deploy.md, "Hardening"). */
export const HARDENING_CONTEXT_KEYS = [
  'weft:apiRateLimit',
  'weft:apiBurstLimit',
  'weft:apiReservedConcurrency',
  'weft:workerReservedConcurrency',
  'weft:reaperReservedConcurrency',
  'weft:triggerReservedConcurrency',
  'weft:kmsKey',
  'weft:triggerAccounts',
] as const;

/** A KMS key's ARN (not an alias's: IAM grants name the key). */
const KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

/** The hardening settings given as context, as the orchestrator's props; absent ones keep its defaults. */
export interface HardeningConfig {
  readonly apiThrottle?: Partial<ApiThrottle>;
  readonly reservedConcurrency?: ReservedConcurrency;
  /** `'create'`, or the ARN of the key to use. */
  readonly kmsKey?: string;
  readonly triggerAccounts?: readonly string[];
}

/**
 * Reads `weft:apiRateLimit` and `weft:apiBurstLimit` (the API's throttling), `weft:<fn>ReservedConcurrency`
 * (`api`, `worker`, `reaper`, `trigger`), `weft:kmsKey` (`create` or a key ARN) and `weft:triggerAccounts`
 * (comma-separated account ids). Each problem is pushed to `problems` as one line naming the key and value.
 *
 * @example
 * readHardeningContext((key) => ({ kmsKey: 'create' })[key], () => '', problems); // { kmsKey: 'create' }
 */
export function readHardeningContext(
  read: (key: string) => string | undefined,
  origin: ContextOrigin,
  problems: string[],
): HardeningConfig {
  const integer = (key: string, range: IntegerRange): number | undefined => {
    const text = read(key);
    if (text === undefined) return undefined;
    const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
    const problem = rangeProblem(`weft:${key}`, value, range, `'${text}'`);
    if (problem === undefined) return value;
    problems.push(`${origin(`weft:${key}`, text)}${problem}`);
    return undefined;
  };
  const rateLimit = integer('apiRateLimit', HARDENING_LIMITS.rateLimit);
  const burstLimit = integer('apiBurstLimit', HARDENING_LIMITS.burstLimit);
  const reserved: Partial<Record<FunctionRole, number>> = {};
  for (const role of ['api', 'worker', 'reaper', 'trigger'] as const) {
    const value = integer(`${role}ReservedConcurrency`, HARDENING_LIMITS.reservedConcurrency);
    if (value !== undefined) reserved[role] = value;
  }
  const kmsKey = read('kmsKey');
  if (kmsKey !== undefined && kmsKey !== 'create' && !KEY_ARN.test(kmsKey)) {
    problems.push(
      `${origin('weft:kmsKey', kmsKey)}weft:kmsKey: must be 'create' or a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), got '${kmsKey}'`,
    );
  }
  const accountsText = read('triggerAccounts');
  const accounts = accountsText
    ?.split(',')
    .map((account) => account.trim())
    .filter(Boolean);
  const accountsProblem = accounts === undefined ? undefined : triggerAccountsProblem(accounts);
  if (accountsProblem !== undefined) {
    problems.push(`${origin('weft:triggerAccounts', accountsText)}weft:${accountsProblem}`);
  }
  return {
    ...(rateLimit === undefined && burstLimit === undefined
      ? {}
      : {
          apiThrottle: {
            ...(rateLimit === undefined ? {} : { rateLimit }),
            ...(burstLimit === undefined ? {} : { burstLimit }),
          },
        }),
    ...(Object.keys(reserved).length === 0 ? {} : { reservedConcurrency: reserved }),
    ...(kmsKey === undefined || (kmsKey !== 'create' && !KEY_ARN.test(kmsKey)) ? {} : { kmsKey }),
    ...(accounts === undefined || accountsProblem !== undefined ? {} : { triggerAccounts: accounts }),
  };
}
