import { UserInputError, WeftError } from '../errors.ts';

/** The same run id or idempotency key was submitted with a different workflow or input (HTTP 409). */
export class RunConflictError extends WeftError {
  override name = 'RunConflictError';

  constructor(
    readonly runId: string,
    detail: string,
  ) {
    super(
      'run.conflict',
      `run '${runId}' already exists with ${detail}; submit with another run id or idempotency key`,
    );
  }
}

/** A submission named a workflow this deployment does not know (HTTP 404). */
export class UnknownWorkflowError extends UserInputError {
  override name = 'UnknownWorkflowError';

  constructor(
    readonly workflow: string,
    known: readonly string[],
  ) {
    super(
      'workflow.unknown',
      `unknown workflow '${workflow}'; known workflows: ${known.length > 0 ? known.join(', ') : '(none)'}`,
    );
  }
}

/** A task returned more than fits in a DynamoDB item (with the copies on its dependents). Not retried. */
export class OutputTooLargeError extends WeftError {
  override name = 'OutputTooLargeError';

  constructor(
    readonly taskId: string,
    readonly bytes: number,
    readonly limit: number,
    sizeText: string,
    limitText: string,
  ) {
    super(
      'task.outputTooLarge',
      `task '${taskId}' returned ${sizeText} of output, more than its limit of ${limitText} ` +
        '(outputs are stored in DynamoDB items of at most 400 KB, with a copy on each dependent); ' +
        'store large data elsewhere (e.g. S3) and return a reference',
    );
  }
}

/** An attempt outlived its task's `timeout`. */
export class TaskTimeoutError extends WeftError {
  override name = 'TaskTimeout';

  constructor(taskId: string, timeoutMs: number, ceiling = false) {
    super(
      'task.timeout',
      ceiling
        ? `task '${taskId}' has no timeout and ran past weft's ceiling of ${timeoutMs} ms for such tasks ` +
            "(1 hour locally, the worker's timeout less 10 s on AWS): give the task a timeout"
        : `task '${taskId}' did not finish within its timeout of ${timeoutMs} ms`,
    );
  }
}

/** A run outlived its workflow-level `timeout`: the run is stopped and rolled back. */
export class WorkflowTimeoutError extends WeftError {
  override name = 'WorkflowTimeout';

  constructor(timeoutMs: number) {
    super('run.timeout', `the run did not finish within its workflow timeout of ${timeoutMs} ms`);
  }
}

/** The module given to the worker has no export of that name. */
export class HandlerNotFoundError extends WeftError {
  override name = 'HandlerNotFoundError';

  constructor(handler: string) {
    super('handler.notFound', `no handler exported as '${handler}'`);
  }
}

/** A task's attempts kept getting lost (their workers died) more often than the engine allows. */
export class TaskLostError extends WeftError {
  override name = 'TaskLostError';

  constructor(taskId: string, takeovers: number) {
    super('task.lost', `task '${taskId}' lost its worker ${takeovers} times; giving up`);
  }
}

/** A callback task's wait lapsed: no completion within its timeout, or no heartbeat within its interval. */
export class CallbackTimeoutError extends WeftError {
  override name = 'CallbackTimeout';

  constructor(taskId: string, lapse: 'timeout' | 'heartbeat', ms: number) {
    super(
      'task.callbackTimeout',
      lapse === 'timeout'
        ? `task '${taskId}' received no callback within its timeout of ${ms} ms`
        : `task '${taskId}' received no callback heartbeat within ${ms} ms`,
    );
  }
}

/** A `workflow:` task names a workflow this deployment does not have (not retried). */
export class ChildWorkflowMissingError extends WeftError {
  override name = 'ChildWorkflowMissingError';

  constructor(taskId: string, workflow: string) {
    super(
      'task.childWorkflowMissing',
      `task '${taskId}' runs workflow '${workflow}', which is not deployed here; deploy it with this workflow`,
    );
  }
}

/** A child run's input cannot be used (too large): the task fails, not retried. */
export class ChildInputError extends WeftError {
  override name = 'ChildInputError';

  constructor(taskId: string, problem: string) {
    super('task.childInput', `task '${taskId}' cannot start its child run: ${problem}`);
  }
}

/** A child run's rollback, asked for by its parent's, could not undo everything (retried per the policy). */
export class ChildRollbackIncompleteError extends WeftError {
  override name = 'ChildRollbackIncomplete';

  constructor(taskId: string, childRunId: string) {
    super(
      'task.childRollbackIncomplete',
      `the rollback of child run ${childRunId} (task '${taskId}') is incomplete: see weft history ${childRunId}`,
    );
  }
}

/**
 * An isolated attempt's host (`isolation: thread` or `process`) ended before the handler answered: the
 * handler called `process.exit`, crashed the process, or it was killed. Named as the in-process guard's
 * error (`ProcessExit`), so a `retry_on` means the same whatever the isolation. Retried per the policy.
 */
export class IsolatedExitError extends WeftError {
  override name = 'ProcessExit';

  constructor(
    readonly exitCode: number,
    where: 'worker thread' | 'child process',
    readonly signal?: string,
  ) {
    super(
      'task.hostExited',
      `the handler's ${where} ${signal === undefined ? `exited with code ${exitCode}` : `was killed by ${signal}`} ` +
        'before the handler returned; weft recorded the attempt as failed and went on (throw an error instead of ' +
        `exiting${signal === undefined ? '' : ', and check the memory the handler needs'})`,
    );
  }
}

/**
 * A task asks for `isolation: thread` or `process`, but weft was given handler functions rather than a
 * module it can load in another thread or process. Not retried: no attempt could run otherwise.
 */
export class IsolationUnavailableError extends WeftError {
  override name = 'IsolationUnavailable';

  constructor(taskId: string, isolation: string) {
    super(
      'task.isolationUnavailable',
      `task '${taskId}' has isolation: ${isolation}, which loads its handler from the handlers module in a ` +
        `${isolation === 'thread' ? 'worker thread' : 'child process'}, but weft was given handler functions, not a ` +
        "module path: pass the module's path (--handlers <module>, openLocal({ handlers: 'handlers.ts' }))",
    );
  }
}

/** A map's `items` did not give a list it can run (not an array, or too large to record). Not retried. */
export class MapItemsError extends WeftError {
  override name = 'MapItemsError';

  constructor(taskId: string, problem: string) {
    super('task.mapItems', `map task '${taskId}' cannot run its items: ${problem}`);
  }
}

/** More items of a map failed for good than it tolerates: the map fails (its items were each retried). */
export class MapFailedError extends WeftError {
  override name = 'MapFailed';

  constructor(taskId: string, failed: number, count: number, tolerated: number, first: string) {
    super(
      'task.mapFailed',
      `${failed} of the ${count} items of map task '${taskId}' failed, more than the ${tolerated} it tolerates; ${first}`,
    );
  }
}
