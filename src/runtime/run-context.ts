import { utf8Bytes } from '../engine/limits.ts';
import type { RunContext, RunRecord, TaskMessage, TaskRecord } from '../engine/types.ts';
import type { RuntimeDeps } from './deps.ts';

/**
 * A run input up to this size travels in its task messages, so a worker needs no read of the run item;
 * a larger one is read from the run (SQS takes 256 KB per message at most, with room kept for the rest).
 */
export const MESSAGE_INPUT_BYTES = 64 * 1024;

/**
 * A dependency's output up to this size travels in the dispatch of a one-dependency task (the edge is then
 * copied by the claim, not written on its own); a larger one is written as an edge first.
 */
export const MESSAGE_EDGE_BYTES = 32 * 1024;

/** The immutable facts of a run, from its record. */
export function contextOf(run: RunRecord): RunContext {
  return {
    runId: run.runId,
    workflow: run.workflow,
    planVersion: run.planVersion,
    input: run.input,
    ...(run.redrives === undefined ? {} : { redrive: run.redrives }),
  };
}

/** A task's dispatch message, carrying what a worker needs of the run. */
export function taskMessage(run: RunContext, taskId: string, lamport: number, readyAt: number): TaskMessage {
  const input = utf8Bytes(run.input) <= MESSAGE_INPUT_BYTES ? { input: run.input } : {};
  return {
    runId: run.runId,
    taskId,
    kind: 'task',
    lamport,
    readyAt,
    run: {
      workflow: run.workflow,
      planVersion: run.planVersion,
      ...input,
      ...(run.redrive === undefined ? {} : { redrive: run.redrive }),
    },
  };
}

/**
 * What the attempt a message dispatches needs of its run: from the message when it carries it all (no
 * read: a stopping run is refused by the claim itself, which the rollback's skip reaches first), else one
 * strongly consistent read of the run, which also drops the message of a run that is not running.
 */
export async function runContextFor(
  deps: RuntimeDeps,
  message: TaskMessage,
): Promise<RunContext | undefined> {
  const hint = message.run;
  if (hint?.input !== undefined) {
    return {
      runId: message.runId,
      workflow: hint.workflow,
      planVersion: hint.planVersion,
      input: hint.input,
      ...(hint.redrive === undefined ? {} : { redrive: hint.redrive }),
    };
  }
  const run = await deps.store.getRun(message.runId);
  if (!run) {
    deps.logger.warn('message for an unknown run dropped', { runId: message.runId, taskId: message.taskId });
    return undefined;
  }
  // a stopping run starts nothing new: the rollback marks this task skipped
  return run.status === 'running' ? contextOf(run) : undefined;
}

/**
 * The run's facts for an attempt just claimed: the message's, unless a redrive newer than the message
 * reset or released the task (it may have replaced the input): then the run's, read once.
 */
export async function freshContext(
  deps: RuntimeDeps,
  run: RunContext,
  claimed: TaskRecord,
): Promise<RunContext> {
  if ((claimed.redriven ?? 0) <= (run.redrive ?? 0)) return run;
  const current = await deps.store.getRun(run.runId);
  return current ? contextOf(current) : run;
}
