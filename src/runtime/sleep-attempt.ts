import { depOutputs } from '../engine/gate.ts';
import type { RunContext, TaskRecord } from '../engine/types.ts';
import { ExpressionError, isTemplate, renderTemplate } from '../workflow/expression.ts';
import type { PlannedTask } from '../workflow/plan.ts';
import { isIsoTime } from '../workflow/schema.ts';
import { toErrorView } from './attempt.ts';
import { isoNow, type RuntimeDeps } from './deps.ts';
import { sendDispatches } from './dispatch.ts';
import { taskMessage } from './run-context.ts';
import type { Json, TaskErrorView } from './types.ts';

/** What a sleep task's attempt came to: asleep until its wake time, awake with its output, or failed. */
export type TimerOutcome =
  | { readonly kind: 'sleeping' }
  | { readonly kind: 'awake'; readonly output: string }
  | { readonly kind: 'failed'; readonly error: TaskErrorView };

/**
 * A sleep task holds no worker while it sleeps: its first attempt computes the wake time, writes it as the
 * task's due time (`ready`, unowned, with a `task.sleeping` entry) and sends the task's dispatch delayed
 * until then; the claim at the wake time finds that entry and succeeds at once, with `{ until }` as its
 * output. The timer is the store's: a lost message is sent again by the recovery pass, from the due time.
 */
export async function sleepOrWake(
  deps: RuntimeDeps,
  run: RunContext,
  planned: PlannedTask,
  record: TaskRecord,
): Promise<TimerOutcome> {
  const slept = record.events.findLast((event) => event.type === 'task.sleeping');
  const until = slept?.detail?.until;
  if (typeof until === 'string') return awake(until);
  const now = deps.now();
  let wakeAt: number;
  try {
    wakeAt = await wakeTime(planned, run, record, now);
  } catch (error) {
    return { kind: 'failed', error: toErrorView(error) };
  }
  const iso = new Date(wakeAt).toISOString();
  if (wakeAt <= now) return awake(iso);
  const lamport = record.lamport + 1;
  const outcome = await deps.store.sleepTask({
    runId: run.runId,
    taskId: planned.id,
    owner: deps.owner,
    attempt: record.attempt,
    dueAt: wakeAt,
    dispatchedAt: wakeAt,
    lamport,
    event: {
      type: 'task.sleeping',
      lamport,
      at: isoNow(deps),
      attempt: record.attempt,
      detail: { until: iso },
    },
  });
  // refused: the attempt was taken over; its new owner starts the timer
  if (!outcome.ok) return { kind: 'sleeping' };
  await sendDispatches(deps, [taskMessage(run, planned.id, lamport, wakeAt)], wakeAt);
  return { kind: 'sleeping' };
}

function awake(until: string): TimerOutcome {
  return { kind: 'awake', output: JSON.stringify({ until } satisfies Record<string, Json>) };
}

/** The wake time, epoch ms: a duration from now, or `sleep_until`'s time (rendered when it is a template). */
async function wakeTime(
  planned: PlannedTask,
  run: RunContext,
  record: TaskRecord,
  now: number,
): Promise<number> {
  const sleep = planned.sleep;
  if (sleep === undefined) return now;
  if ('ms' in sleep) return now + sleep.ms;
  const text = isTemplate(sleep.until)
    ? await renderTemplate(sleep.until, {
        input: JSON.parse(run.input) as Json,
        deps: depOutputs(planned, record),
      })
    : sleep.until;
  if (!isIsoTime(text)) {
    throw new ExpressionError(
      `sleep_until '${sleep.until}' gave '${text}', which is not an ISO time such as 2026-12-24T09:00:00Z`,
    );
  }
  return Date.parse(text);
}
