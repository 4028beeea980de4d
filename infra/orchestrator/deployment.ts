import { Duration } from 'aws-cdk-lib';
import { locateTasks } from '../../src/files/task-position.ts';
import { type PlanFile, readPlanFiles } from '../../src/files/workflows.ts';
import { missingHandlerDiagnostics } from '../../src/local/handler-diagnostics.ts';
import { loadHandlers } from '../../src/local/handlers.ts';
import { sortDiagnostics } from '../../src/workflow/diagnostic.ts';
import { type Diagnostic, formatDuration, WorkflowError } from '../../src/workflow/index.ts';
import type { Plan } from '../../src/workflow/plan.ts';
import { isolatedWithoutLambda, tasksOutlasting, WORKER_DEFAULTS, WORKER_LIMITS } from './settings.ts';

export interface WeftDeploymentSource {
  /** The folder of workflow files (`*.yaml`, `*.yml`, `*.json`). */
  readonly workflowsDir: string;
  /** The handlers module the worker will bundle. */
  readonly handlersModule: string;
  /** The worker's timeout, as the orchestrator will get it. @default Duration.minutes(1) */
  readonly workerTimeout?: Duration;
}

/**
 * Reads the workflows a `WeftOrchestrator` is to deploy and refuses what `weft run` refuses, before any
 * bundling: an invalid workflow, a handler the module does not export, and (deployed only) a task whose
 * timeout is longer than the worker function can run. It imports the handlers module, as `weft run`
 * does, so a `.ts` module needs the app to run under tsx (as `cdk.json`'s `npx tsx infra/app.ts` does).
 *
 * @returns the compiled plans, for the orchestrator's `plans`.
 * @throws WorkflowError with a `path:line:col: message` line per problem; UserInputError when the folder or
 *   the handlers module cannot be read or loaded.
 * @example
 * const plans = await readWeftDeployment({ workflowsDir: 'workflows', handlersModule: 'src/handlers.ts' });
 * new WeftOrchestrator(stack, 'Weft', { plans, handlersModule: 'src/handlers.ts' });
 */
export async function readWeftDeployment(source: WeftDeploymentSource): Promise<Plan[]> {
  const planFiles = await readPlanFiles(source.workflowsDir);
  const registry = await loadHandlers(source.handlersModule);
  const workerTimeout = source.workerTimeout ?? Duration.seconds(WORKER_DEFAULTS.timeoutSeconds);
  const diagnostics = [
    ...missingHandlerDiagnostics(planFiles, registry, source.handlersModule),
    ...timeoutDiagnostics(planFiles, workerTimeout.toMilliseconds()),
    ...isolationDiagnostics(planFiles),
  ];
  if (diagnostics.length > 0) throw new WorkflowError(sortDiagnostics(diagnostics));
  return planFiles.map((planFile) => planFile.plan);
}

/**
 * A diagnostic at the `isolation` of each task that asks for a process of its own without `lambda:`.
 * Deployed, a task's own process is its own Lambda function (its own role, memory and timeout, as a Step
 * Functions task state is); `isolation: thread` runs in a worker thread of the worker function.
 */
function isolationDiagnostics(planFiles: readonly PlanFile[]): Diagnostic[] {
  return planFiles.flatMap((planFile) => {
    const locate = locateTasks(planFile);
    return isolatedWithoutLambda([planFile.plan]).map(({ task }): Diagnostic => {
      const message = `task '${task.id}' has isolation: process, which on AWS means a Lambda function of its own (its own process and role): give it lambda: <function name or ARN> (locally its stand-in export then runs in a child process), or isolation: thread to run it in a worker thread of the worker function`;
      return {
        file: planFile.file,
        ...locate(task.id, 'isolation'),
        message,
        code: 'deploy.isolationNeedsLambda',
      };
    });
  });
}

/** A diagnostic at the `timeout` of each task the worker cannot hold, naming the setting that fixes it. */
function timeoutDiagnostics(planFiles: readonly PlanFile[], workerTimeoutMs: number): Diagnostic[] {
  const maxMs = WORKER_LIMITS.timeoutSeconds.max * 1000;
  return planFiles.flatMap((planFile) => {
    const locate = locateTasks(planFile);
    return tasksOutlasting([planFile.plan], workerTimeoutMs).map(({ task }): Diagnostic => {
      const timeoutMs = task.timeoutMs ?? 0;
      const needed = formatDuration(Math.ceil(timeoutMs / 1000) * 1000);
      const message =
        timeoutMs > maxMs
          ? `task '${task.id}' timeout (${formatDuration(timeoutMs)}) is longer than a Lambda function may run (${formatDuration(maxMs)}), so the deployed worker cannot hold it; shorten it to ${formatDuration(maxMs)} or less`
          : `task '${task.id}' timeout (${formatDuration(timeoutMs)}) is longer than the worker function's (${formatDuration(workerTimeoutMs)}), which would stop every attempt before it times out; raise the worker's timeout to at least ${needed} (-c weft:workerTimeout=${needed}, or the orchestrator's workerTimeout) or shorten the task's timeout`;
      return { file: planFile.file, ...locate(task.id, 'timeout'), message, code: 'deploy.taskTimeout' };
    });
  });
}
