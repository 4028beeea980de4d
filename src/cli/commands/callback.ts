import type { Command } from 'commander';
import { UserInputError } from '../../errors.ts';
import type { CallbackAnswer, CallbackRequest } from '../../runtime/types.ts';
import {
  type ApiDeps,
  addEndpointFlags,
  callApi,
  defaultApiDeps,
  type EndpointFlags,
  endpointClient,
} from '../api-call.ts';
import type { CliIo } from '../io.ts';
import { addStackFlags, type StackFlags, withLocalStack } from '../local-session.ts';
import { parseInputOption } from '../run-input.ts';

interface CallbackOptions extends StackFlags, EndpointFlags {
  readonly output?: string;
  readonly error?: string;
  readonly message?: string;
  readonly heartbeat?: boolean;
}

/**
 * `weft callback <token> --output <json> | --error <name> [--message <text>] | --heartbeat`: completes a
 * callback task by its token (single-use), or beats its heartbeat; in the local state dir by default, or
 * through a deployed API with `--endpoint` (`POST /callbacks/{token}`, SigV4-signed). Prints the answer.
 */
export function registerCallback(program: Command, io: CliIo, deps: ApiDeps = defaultApiDeps): void {
  const command = program
    .command('callback')
    .description('complete a callback task by its token (its output, or an error), or beat its heartbeat')
    .argument('<token>', "the task's token (ctx.callback.token, or the run view's tasks.<id>.callback.token)")
    .option('--output <json>', 'complete the task with this output: inline JSON or @file')
    .option('--error <name>', 'fail the attempt with this error name (retried per the retry_policy)')
    .option('--message <text>', "the error's message, with --error")
    .option('--heartbeat', 'tell the waiting task its completer is alive (restarts its heartbeat interval)');
  addStackFlags(addEndpointFlags(command)).action(async (token: string, options: CallbackOptions) => {
    const request = options.heartbeat ? undefined : await callbackRequest(options);
    const answer =
      options.endpoint === undefined
        ? await locally(io, token, request, options)
        : await remotely(token, request, options, deps);
    io.out(`${JSON.stringify(answer)}\n`);
  });
}

/** Exactly one of --output, --error and --heartbeat. */
async function callbackRequest(options: CallbackOptions): Promise<CallbackRequest> {
  if (options.output !== undefined && options.error !== undefined) {
    throw new UserInputError('usage', 'give --output or --error, not both');
  }
  if (options.output !== undefined) return { output: await parseInputOption(options.output, '--output') };
  if (options.error !== undefined) {
    return {
      error: { name: options.error, message: options.message ?? `${options.error} (from weft callback)` },
    };
  }
  throw new UserInputError(
    'usage',
    'give --output <json> to complete the task, --error <name> [--message <text>] to fail its attempt, or --heartbeat',
  );
}

async function locally(
  io: CliIo,
  token: string,
  request: CallbackRequest | undefined,
  options: CallbackOptions,
): Promise<Record<string, unknown>> {
  return withLocalStack(io, options, async (stack) => {
    const runtime = stack.runtime;
    const answer = request
      ? await runtime.completeCallback(token, request)
      : await runtime.heartbeatCallback(token);
    const shown = reported(answer, options.stateDir);
    if (answer.kind === 'accepted' && request && !stack.attached) {
      io.err(
        `weft: recorded; the run goes on in the process that runs it, or with ` +
          `weft resume ${answer.runId} --handlers <module>\n`,
      );
    }
    return shown;
  });
}

/** An accepted answer as printed; any other is the user's mistake, said the way the API says it. */
function reported(answer: CallbackAnswer, where: string): Record<string, unknown> {
  switch (answer.kind) {
    case 'accepted':
      return { runId: answer.runId, taskId: answer.taskId, status: answer.status };
    case 'notFound':
      throw new UserInputError('callback.notFound', `no callback task in ${where} waits for this token`);
    case 'closed':
      throw new UserInputError(
        'callback.closed',
        `the callback of task '${answer.taskId}' in run ${answer.runId} is no longer open (the task is ${answer.status}): ` +
          'a token completes its attempt once, and a retried attempt has a new token',
      );
    case 'invalid':
      throw new UserInputError('callback.invalid', answer.message);
  }
}

async function remotely(
  token: string,
  request: CallbackRequest | undefined,
  options: CallbackOptions,
  deps: ApiDeps,
): Promise<Record<string, unknown>> {
  const endpoint = options.endpoint ?? '';
  const client = endpointClient(endpoint, options, deps);
  const path = `/callbacks/${encodeURIComponent(token)}${request ? '' : '/heartbeat'}`;
  return (await callApi(endpoint, () => client.request('POST', path, request))) as Record<string, unknown>;
}
