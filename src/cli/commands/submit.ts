import type { Command } from 'commander';
import { MAX_SUBMIT_WAIT_SECONDS } from '../../api/request.ts';
import { runPath, runsPath } from '../../api/routes.ts';
import type { ApiRunView } from '../../api/view-budget.ts';
import { createApiClient } from '../../client/signed-client.ts';
import { UserInputError } from '../../errors.ts';
import { exitCodeFor, isSettled, toRunResult } from '../../runtime/run-result.ts';
import { type ApiDeps, callApi as call, defaultApiDeps, parseEndpoint } from '../api-call.ts';
import type { CliIo } from '../io.ts';
import { withLinkedOutputs } from '../linked-outputs.ts';
import { parseInputOption } from '../run-input.ts';

interface SubmitOptions {
  readonly endpoint: string;
  readonly input?: string;
  readonly runId?: string;
  readonly idempotencyKey?: string;
  readonly region?: string;
  readonly profile?: string;
  readonly unsigned?: boolean;
  readonly wait?: boolean;
  readonly pollInterval: string;
}

/** What the command needs from outside, so tests can pass their own credentials and timing. */
export type SubmitDeps = ApiDeps;

/**
 * `weft submit <workflow> --endpoint <url>`: starts a run through a deployed weft API, signing the request
 * with SigV4 (credentials from the standard AWS chain: environment, SSO, profiles, instance roles). Prints
 * the API's answer (`{ runId, workflow, created }`, or the run itself for a `mode: sync` workflow, which the API
 * answers when the run is final); with `--wait`, asks the API to hold its answer until
 * the run ends (`?wait=25`, the API's limit), polls the run if it has not by then, and prints its result,
 * whole (the outputs the API's view links are read through their routes), exiting like `weft run` (0
 * succeeded, 2 rolled back, 3 rollback incomplete, 4 paused).
 */
export function registerSubmit(program: Command, io: CliIo, deps: SubmitDeps = defaultApiDeps): void {
  program
    .command('submit')
    .description('start a run through a deployed weft API (SigV4-signed), optionally wait for its result')
    .argument('<workflow>', 'workflow name')
    .requiredOption('--endpoint <url>', 'the API URL (the ApiUrl output of `cdk deploy`, or `weft dev`)')
    .option('--input <json>', 'run input: inline JSON or @file')
    .option('--run-id <id>', 'choose the run id (submitting it again starts nothing new)')
    .option('--idempotency-key <key>', 'the same key always maps to the same run')
    .option('--region <region>', 'signing region (default: from the endpoint host name)')
    .option('--profile <name>', 'AWS profile for credentials')
    .option('--unsigned', 'send without SigV4 (for `weft dev`)')
    .option('--wait', 'poll the run until it finishes and print its result')
    .option('--poll-interval <ms>', 'time between polls with --wait', '1000')
    .action(async (workflow: string, options: SubmitOptions) => {
      const client = createApiClient({
        endpoint: parseEndpoint(options.endpoint),
        ...(options.region ? { region: options.region } : {}),
        ...(options.unsigned ? {} : { credentials: deps.credentials(options.profile) }),
      });
      const interval = Number(options.pollInterval);
      if (!Number.isFinite(interval) || interval < 0) {
        throw new UserInputError(
          'usage',
          `--poll-interval must be a number of milliseconds, got '${options.pollInterval}'`,
        );
      }
      const input = await parseInputOption(options.input);
      // with --wait the API holds the answer until the run ends, up to its limit; then we poll
      const path = options.wait
        ? `${runsPath(workflow)}?wait=${MAX_SUBMIT_WAIT_SECONDS}`
        : runsPath(workflow);
      const submitted = await call(options.endpoint, () =>
        client.request(
          'POST',
          path,
          { input, ...(options.runId ? { runId: options.runId } : {}) },
          options.idempotencyKey ? { 'Idempotency-Key': options.idempotencyKey } : {},
        ),
      );
      if (!options.wait) {
        io.out(`${JSON.stringify(submitted)}\n`);
        return;
      }
      const runId = (submitted as { runId: string }).runId;
      const read = async () =>
        (await call(options.endpoint, () => client.request('GET', runPath(workflow, runId)))) as ApiRunView;
      // a run view (200): the run ended within the API's wait; a 202 (or an API without ?wait=): poll it
      const ended = isRunView(submitted) && isSettled(submitted) ? submitted : undefined;
      if (ended === undefined) io.err(`submitted run ${runId}; waiting for it to finish\n`);
      let run = ended ?? (await read());
      while (!isSettled(run)) {
        await deps.sleep(interval);
        run = await read();
      }
      const whole = await withLinkedOutputs(run, (href) =>
        call(options.endpoint, () => client.request('GET', href)),
      );
      if (run.tasksOmitted) {
        io.err(
          `weft: the run's ${run.tasksOmitted.count} tasks are too many for one API answer; ` +
            `read their outputs with GET ${runPath(workflow, runId)}/tasks/<task>/output and their history with weft history ${runId} --workflow ${workflow} --endpoint ${options.endpoint}\n`,
        );
      }
      io.out(`${JSON.stringify(toRunResult(whole), null, 2)}\n`);
      io.exitCode = exitCodeFor(run);
    });
}

function isRunView(body: unknown): body is ApiRunView {
  return typeof body === 'object' && body !== null && 'status' in body && 'tasks' in body;
}
