/**
 * While weft runs handlers in its own process (the command line), a handler calling `process.exit` must
 * not take weft down silently: the call throws instead, so the attempt fails with the exit code (retried
 * per the task's policy like any error). A call outside any attempt (from a timer) is reported and ends
 * the command with a message.
 */

/** The error a guarded `process.exit` throws inside a handler. */
export class ProcessExitError extends Error {
  override name = 'ProcessExit';

  constructor(readonly code: number) {
    super(
      `the handler called process.exit(${code}); weft runs handlers in its own process, so it records the ` +
        'call as the attempt failing: throw an error instead',
    );
  }
}

/** Replaces `process.exit` until the returned function restores it; `exit` is the real one, meanwhile. */
export function guardProcessExit(onStray: (error: ProcessExitError) => void): {
  readonly exit: (code?: number) => never;
  readonly restore: () => void;
} {
  const original = process.exit.bind(process);
  const guarded = ((code?: number | string | null) => {
    throw new ProcessExitError(typeof code === 'number' ? code : Number(code ?? 0) || 0);
  }) as typeof process.exit;
  const stray = (error: unknown): void => {
    if (error instanceof ProcessExitError) onStray(error);
    else throw error;
  };
  process.exit = guarded;
  process.on('uncaughtException', stray);
  return {
    exit: original,
    restore: () => {
      if (process.exit === guarded) process.exit = original;
      process.off('uncaughtException', stray);
    },
  };
}
