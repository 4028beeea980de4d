import type { Command } from 'commander';
import { HISTORY_PAGE_DEFAULT } from '../../api/history-page.ts';
import { runPath } from '../../api/routes.ts';
import { UserInputError } from '../../errors.ts';
import type { HistoryEvent } from '../../runtime/types.ts';
import {
  type ApiDeps,
  addEndpointFlags,
  callApi,
  defaultApiDeps,
  type EndpointFlags,
  endpointClient,
} from '../api-call.ts';
import type { CliIo } from '../io.ts';
import { type JsonArrayWriter, jsonArrayWriter } from '../json-array-writer.ts';
import { addStackFlags, noSuchRun, type StackFlags, withLocalStack } from '../local-session.ts';

interface HistoryOptions extends StackFlags, EndpointFlags {
  readonly workflow?: string;
}

/** A page of `GET /workflows/{name}/runs/{id}/history`. */
interface HistoryPageBody {
  readonly events: readonly HistoryEvent[];
  readonly next?: string;
}

/**
 * `weft history <runId>`: prints a run's state changes, in Lamport order, as one JSON array, written page by
 * page (a long history is never one string); from the local state dir, or with `--endpoint` through a
 * deployed API (`GET /workflows/{name}/runs/{id}/history`, following `next`; `--workflow` names the run's
 * workflow, which is what a caller's permission is scoped by).
 */
export function registerHistory(program: Command, io: CliIo, deps: ApiDeps = defaultApiDeps): void {
  const command = program
    .command('history')
    .description("print a run's events in Lamport order as a JSON array")
    .argument('<runId>', 'the run')
    .option('--workflow <name>', "the run's workflow, with --endpoint (the API addresses runs through it)");
  addStackFlags(addEndpointFlags(command)).action(async (runId: string, options: HistoryOptions) => {
    const array = jsonArrayWriter((text) => io.out(text));
    if (options.endpoint === undefined) await locally(io, runId, options, array);
    else await remotely(runId, options.endpoint, options, deps, array);
    array.end();
  });
}

async function locally(io: CliIo, runId: string, flags: StackFlags, array: JsonArrayWriter): Promise<void> {
  await withLocalStack(io, { ...flags, existingRun: runId }, async (stack) => {
    const events = await stack.runtime.history(runId);
    if (events === undefined) throw noSuchRun(runId, flags.stateDir);
    for (let at = 0; at < events.length; at += HISTORY_PAGE_DEFAULT) {
      array.push(events.slice(at, at + HISTORY_PAGE_DEFAULT));
    }
  });
}

async function remotely(
  runId: string,
  endpoint: string,
  flags: HistoryOptions,
  deps: ApiDeps,
  array: JsonArrayWriter,
): Promise<void> {
  if (flags.workflow === undefined) {
    throw new UserInputError(
      'usage',
      `--endpoint needs --workflow <name>, the workflow of run ${runId}: the API reads a run through its workflow's routes`,
    );
  }
  const client = endpointClient(endpoint, flags, deps);
  const path = `${runPath(flags.workflow, runId)}/history`;
  let next: string | undefined;
  do {
    const query = next === undefined ? '' : `?next=${encodeURIComponent(next)}`;
    const page = (await callApi(endpoint, () => client.request('GET', `${path}${query}`))) as HistoryPageBody;
    if (!Array.isArray(page?.events)) {
      throw new UserInputError('api.unexpected', `${endpoint} answered ${path} without a list of events`);
    }
    array.push(page.events);
    next = page.next;
  } while (next !== undefined);
}
