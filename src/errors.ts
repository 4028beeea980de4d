/**
 * The base of every error weft raises on purpose. Subclasses end in `Error`, set `name`, carry a stable
 * `code` callers can branch on, and accept `{ cause }`.
 *
 * @example
 * class RunNotFoundError extends WeftError {
 *   constructor(readonly runId: string) {
 *     super('run.notFound', `no run with id '${runId}'`);
 *   }
 * }
 */
export class WeftError extends Error {
  override name = 'WeftError';

  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A mistake of the user's (a bad file, a bad flag, a missing handler): the command line prints its message
 * without a stack trace and exits 1.
 */
export class UserInputError extends WeftError {
  override name = 'UserInputError';
}
