import { UserInputError } from '../errors.ts';

/**
 * The recovery pass's grace and bounds. The pass re-sends a claimable task only when its recorded dispatch
 * is older than the grace (a message that old is presumed lost), examines at most `maxRuns` active runs
 * (the next pass goes on where it stopped) and re-sends at most `maxDispatchesPerRun` dispatches of one run,
 * the longest-waiting first.
 */
export interface RecoverySettings {
  /** ms a recorded dispatch may wait in the queue before it is sent again. */
  readonly graceMs: number;
  /** Active runs one pass examines at most. */
  readonly maxRuns: number;
  /** Dispatches one pass re-sends for one run at most. */
  readonly maxDispatchesPerRun: number;
}

/**
 * On a queue every worker reads (SQS): longer than a backlog normally keeps a message waiting, short
 * beside the 4 days SQS keeps one. A dispatch lost with a dying process is re-sent within the grace plus
 * one period of the reaper's schedule (a minute on AWS).
 */
export const DEFAULT_RECOVERY: RecoverySettings = {
  graceMs: 120_000,
  maxRuns: 500,
  maxDispatchesPerRun: 1_000,
};

/**
 * The embedded backend's grace: each process has its own queue, so a dispatch a process sent is lost when
 * it dies or closes; another process on the state dir re-sends it after this long.
 */
export const LOCAL_RECOVERY_GRACE_MS = 1_000;

/** The settings with the defaults filled in; refuses a negative or fractional bound. */
export function recoverySettings(overrides: Partial<RecoverySettings> = {}): RecoverySettings {
  const settings = { ...DEFAULT_RECOVERY, ...overrides };
  const whole = (name: keyof RecoverySettings, min: number) => {
    const value = settings[name];
    if (!Number.isInteger(value) || value < min) {
      throw new UserInputError(
        'runtime.recovery',
        `recovery.${name} must be a whole number of at least ${min}, not ${value}: leave it out for the default`,
      );
    }
  };
  whole('graceMs', 0);
  whole('maxRuns', 1);
  whole('maxDispatchesPerRun', 1);
  return settings;
}
