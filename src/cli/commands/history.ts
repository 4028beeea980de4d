import type { Command } from 'commander';
import { HISTORY_PAGE_DEFAULT } from '../../api/history-page.ts';
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

interface HistoryOptions extends StackFlags, EndpointFlags {}

/** A page of `GET /runs/{id}/history`. */
interface HistoryPageBody {
  readonly events: readonly HistoryEvent[];
  readonly next?: string;
}

/**
 * `weft history <runId>`: prints a run's state changes, in Lamport order, as one JSON array, written page by
 * page (a long history is never one string); from the local state dir, or with `--endpoint` through a
 * deployed API (`GET /runs/{id}/history`, following `next`).
 */
export function registerHistory(program: Command, io: CliIo, deps: ApiDeps = defaultApiDeps): void {
  const command = program
    .command('history')
    .description("print a run's events in Lamport order as a JSON array")
    .argument('<runId>', 'the run');
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
  flags: EndpointFlags,
  deps: ApiDeps,
  array: JsonArrayWriter,
): Promise<void> {
  const client = endpointClient(endpoint, flags, deps);
  const path = `/runs/${encodeURIComponent(runId)}/history`;
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
