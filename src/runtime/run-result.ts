import type { CompensationView, RunView, TaskView } from '../runtime/types.ts';

/** What `weft run`, `weft resume` and `weft status` print on stdout: one JSON document. */
export interface RunResult {
  readonly runId: string;
  readonly status: RunView['status'];
  readonly rollback: RunView['rollback'];
  readonly tasks: Readonly<Record<string, TaskView>>;
  /** In the order they finished. */
  readonly compensations: readonly CompensationView[];
  /** Why the run failed, was cancelled or paused, and the task whose failure it was. */
  readonly error?: RunView['error'];
  /** A child run's parent run and task. */
  readonly parent?: RunView['parent'];
  /** A sync run answered before it ended: when, and the `mode: async` tasks that still ran. */
  readonly answered?: RunView['answered'];
}

/**
 * Exit status of a settled run: 0 succeeded; 2 failed or cancelled and rolled back; 3 rollback incomplete;
 * 4 paused (`on_failure: pause`: waiting for a redrive or a rollback).
 */
export const EXIT = { succeeded: 0, usage: 1, rolledBack: 2, rollbackIncomplete: 3, paused: 4 } as const;

/** The run as the command line reports it (the view without the input and plan details). */
export function toRunResult(view: RunView): RunResult {
  const tasks: Record<string, TaskView> = {};
  for (const [id, task] of Object.entries(view.tasks)) {
    tasks[id] = {
      status: task.status,
      attempts: task.attempts,
      ...(task.output === undefined ? {} : { output: task.output }),
      ...(task.wakeAt === undefined ? {} : { wakeAt: task.wakeAt }),
      ...(task.callback === undefined ? {} : { callback: task.callback }),
      ...(task.child === undefined ? {} : { child: task.child }),
      ...(task.map === undefined ? {} : { map: task.map }),
      ...(task.skip === undefined ? {} : { skip: task.skip }),
      ...(task.error === undefined ? {} : { error: { name: task.error.name, message: task.error.message } }),
    };
  }
  return {
    runId: view.runId,
    status: view.status,
    rollback: view.rollback,
    tasks,
    compensations: view.compensations.map(({ task, handler, status, attempts, error }) => ({
      task,
      handler,
      status,
      attempts,
      ...(error === undefined ? {} : { error: { name: error.name, message: error.message } }),
    })),
    ...(view.error === undefined ? {} : { error: view.error }),
    ...(view.parent === undefined ? {} : { parent: view.parent }),
    ...(view.answered === undefined ? {} : { answered: view.answered }),
  };
}

/** Whether the run has reached a final state (its rollback, if any, included). */
export function isFinished(view: RunView): boolean {
  return (
    (view.status === 'succeeded' || view.status === 'failed' || view.status === 'cancelled') &&
    view.rollback !== 'running'
  );
}

/** Whether a wait for the run is over: it is final, or paused until someone redrives or rolls it back. */
export function isSettled(view: RunView): boolean {
  return isFinished(view) || view.status === 'paused';
}

/** The exit status for a settled run. */
export function exitCodeFor(view: RunView): number {
  if (view.status === 'succeeded') return EXIT.succeeded;
  if (view.status === 'paused') return EXIT.paused;
  if (view.rollback === 'incomplete') return EXIT.rollbackIncomplete;
  return EXIT.rolledBack;
}
