import type { RecoverOptions, Runtime } from '../runtime/types.ts';

/** A running recovery loop. */
export interface Reaper {
  /** Runs a pass soon (coalesced with one already due), e.g. when another process changed the store. */
  nudge(): void;
  /** Stops the loop and resolves once the pass under way, if any, is over. */
  stop(): Promise<void>;
}

export interface ReaperOptions {
  /**
   * The queue started empty with this process (the in-process queue, an embedded SQS): until the first
   * sweep of the active runs is over, every recorded dispatch is presumed lost and sent again.
   */
  readonly queueStartedEmpty?: boolean;
}

/**
 * Runs the recovery pass now and then every `intervalMs`, one pass at a time: the local stand-in for the
 * deployment's scheduled reaper. A pass that stopped before the end of the active runs (its bound) is
 * followed at once by the next, from where it stopped.
 */
export function startReaper(
  runtime: Pick<Runtime, 'recover'>,
  intervalMs: number,
  onError: (error: unknown) => void,
  options: ReaperOptions = {},
): Reaper {
  let after: string | undefined;
  let firstSweep = options.queueStartedEmpty === true;
  let stopped = false;
  let running = false;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let pass: Promise<void> = Promise.resolve();
  const schedule = (ms: number): void => {
    clearTimeout(timer);
    timer = setTimeout(run, ms);
    timer.unref();
  };
  const run = (): void => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    clearTimeout(timer);
    const recoverOptions: RecoverOptions = {
      ...(after === undefined ? {} : { after }),
      ...(firstSweep ? { queueStartedEmpty: true } : {}),
    };
    pass = runtime
      .recover(recoverOptions)
      .then(
        (report) => {
          after = report.next;
          if (after === undefined) firstSweep = false;
        },
        (error: unknown) => {
          // the next pass, at the interval, starts the listing over
          after = undefined;
          onError(error);
        },
      )
      .finally(() => {
        running = false;
        if (stopped) return;
        if (again || after !== undefined) {
          again = false;
          schedule(0);
        } else schedule(intervalMs);
      });
  };
  run();
  return {
    nudge: () => {
      if (!stopped) schedule(0);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await pass;
    },
  };
}
