/**
 * What a command writes to and how it reports its exit status. `main` creates one per invocation, so tests
 * can run commands in-process and read what they printed.
 */
export interface CliIo {
  /** Writes to stdout as is (add the newline yourself). */
  out(text: string): void;
  /** Writes to stderr as is. */
  err(text: string): void;
  /** True when stderr is a terminal (live progress views); false in tests and pipes. */
  readonly errIsTty: boolean;
  /** The process exit status once the command returns; 0 unless the command sets it. */
  exitCode: number;
}

/** The process's own streams. */
export function processIo(): CliIo {
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    errIsTty: process.stderr.isTTY === true,
    exitCode: 0,
  };
}
