import type { Runtime } from '../runtime/types.ts';

/** A running recovery loop. */
export interface Reaper {
  /** Runs a pass soon (coalesced with one already due), e.g. when another process changed the store. */
  nudge(): void;
  /** Stops the loop and resolves once the pass under way, if any, is over. */
  stop(): Promise<void>;
}

/**
 * Runs the recovery pass now and then every `intervalMs`, one pass at a time: the local stand-in for the
 * deployment's scheduled reaper.
 */
export function startReaper(
  runtime: Pick<Runtime, 'recover'>,
  intervalMs: number,
  onError: (error: unknown) => void,
): Reaper {
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
    pass = runtime
      .recover()
      .then(
        () => {},
        (error: unknown) => onError(error),
      )
      .finally(() => {
        running = false;
        if (stopped) return;
        if (again) {
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
