import type { Command } from 'commander';
import { createApiHandler } from '../../api/handler.ts';
import { startLocalSchedules } from '../../dev/schedules.ts';
import { startDevServer } from '../../dev/server.ts';
import { UserInputError } from '../../errors.ts';
import { readPlanDir } from '../../files/workflows.ts';
import { assertHandlers, loadHandlers } from '../../local/handlers.ts';
import { printable } from '../../printable.ts';
import { createTriggerHandler } from '../../triggers/trigger-handler.ts';
import type { CliIo } from '../io.ts';
import { addStackFlags, type StackFlags, withLocalStack } from '../local-session.ts';

interface DevOptions extends StackFlags {
  readonly port: string;
  readonly workflows: string;
  readonly handlers: string;
}

/**
 * `weft dev`: the deployed HTTP API on 127.0.0.1, over the embedded stack (dynalite, fauxqs, the worker and
 * the reaper), plus `POST /events` to fire the workflows' triggers with an EventBridge-shaped event; the
 * workflows' schedules fire as EventBridge's scheduled rules would (`rate(...)` on their period, `cron(...)`
 * at the minutes they name, UTC). Runs until Ctrl-C.
 */
export function registerDev(program: Command, io: CliIo): void {
  const command = program
    .command('dev')
    .description(
      'serve the weft HTTP API locally (embedded SQLite by default), with POST /events for triggers',
    )
    .option('--port <port>', 'port on 127.0.0.1 (0 picks a free one)', '8787')
    .option('--workflows <dir>', 'folder of workflow files', 'workflows')
    .option(
      '--handlers <module>',
      'module whose exports are the handlers',
      'examples/loan_approval/handlers.ts',
    );
  addStackFlags(command).action(async (options: DevOptions) => {
    const port = Number(options.port);
    if (!Number.isInteger(port) || port < 0 || port > 65_535) {
      throw new UserInputError('usage', `--port must be a port number (0 to 65535), got '${options.port}'`);
    }
    const plans = await readPlanDir(options.workflows);
    if (plans.length === 0) {
      throw new UserInputError('usage', `no workflow file (*.yaml, *.yml, *.json) in '${options.workflows}'`);
    }
    const handlers = await loadHandlers(options.handlers);
    assertHandlers(plans, handlers, options.handlers);
    await withLocalStack(io, { ...options, plans, handlers, worker: true }, async (stack, interrupted) => {
      const deps = { runtime: stack.runtime, plans: stack.plans };
      const trigger = createTriggerHandler(deps);
      const server = await startDevServer({
        port,
        api: createApiHandler({
          ...deps,
          changed: (runId, ms) => stack.changed(runId, ms),
          logger: { error: (message, fields) => io.err(`weft dev: ${message} ${JSON.stringify(fields)}\n`) },
        }),
        trigger,
      });
      io.err(
        `weft dev: ${server.url} (workflows: ${plans.map((plan) => plan.name).join(', ')}; state in ${options.stateDir})\n` +
          `  POST ${server.url}/workflows/{name}/runs  GET ${server.url}/workflows/{name}/runs/{id}  POST ${server.url}/events  (Ctrl-C stops)\n`,
      );
      const stopSchedules = startLocalSchedules({
        plans,
        trigger,
        report: (line) => io.err(`weft dev: ${printable(line)}\n`),
      });
      await new Promise<void>((resolve) =>
        interrupted.addEventListener('abort', () => resolve(), { once: true }),
      );
      stopSchedules();
      await server.close();
    });
  });
}
