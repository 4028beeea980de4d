import { randomUUID } from 'node:crypto';
import { cronSchedule, nextCronTime } from '../triggers/cron.ts';
import type { TriggerHandler } from '../triggers/trigger-handler.ts';
import type { Plan } from '../workflow/plan.ts';

const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** The longest delay `setTimeout` keeps (about 24.8 days); a later firing is waited for in steps. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** The period of a `rate(...)` expression in milliseconds, or undefined for anything else (`cron(...)`). */
export function ratePeriodMs(expression: string): number | undefined {
  const match = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(expression);
  if (!match) return undefined;
  return Number(match[1]) * (UNIT_MS[match[2] as string] as number);
}

/** Calls `fire` every `ms` until the returned function is called. */
export type Every = (ms: number, fire: () => void) => () => void;

/** Calls `fire` once after `ms` (at most {@link MAX_TIMER_MS}) unless the returned function is called first. */
export type After = (ms: number, fire: () => void) => () => void;

const realEvery: Every = (ms, fire) => {
  const timer = setInterval(fire, ms);
  timer.unref();
  return () => clearInterval(timer);
};

const realAfter: After = (ms, fire) => {
  const timer = setTimeout(fire, ms);
  timer.unref();
  return () => clearTimeout(timer);
};

export interface LocalSchedulesOptions {
  readonly plans: readonly Plan[];
  readonly trigger: TriggerHandler;
  /** Told about each firing's outcome, each cron schedule's next time, and those that never fire again. */
  readonly report: (line: string) => void;
  /** Drives `rate(...)` schedules. @default setInterval */
  readonly every?: Every;
  /** Drives `cron(...)` schedules. @default setTimeout */
  readonly after?: After;
  /** @default the system clock */
  readonly now?: () => Date;
}

/**
 * EventBridge's event time: whole seconds, UTC (`2026-11-27T02:00:00Z`).
 *
 * @example
 * eventTime(new Date('2026-11-27T02:00:00.123Z'));  // '2026-11-27T02:00:00Z'
 */
export function eventTime(time: Date): string {
  return `${time.toISOString().slice(0, 19)}Z`;
}

/**
 * Fires the workflows' schedules as EventBridge's scheduled rules would: `rate(...)` ones on their period,
 * `cron(...)` ones at each minute their expression names (UTC), delivering a scheduled event (a fresh
 * event id each time) to the trigger handler, so each run gets `{ schedule, time }`. A cron firing missed
 * while the machine slept is delivered once, late, with its scheduled time. Returns the function that stops
 * them.
 */
export function startLocalSchedules(options: LocalSchedulesOptions): () => void {
  const every = options.every ?? realEvery;
  const after = options.after ?? realAfter;
  const now = options.now ?? (() => new Date());
  const stops: (() => void)[] = [];
  for (const plan of options.plans) {
    for (const schedule of plan.schedules) {
      const deliver = (time: Date) => fireSchedule(options, plan.name, schedule, time);
      const period = ratePeriodMs(schedule);
      stops.push(
        period === undefined
          ? startCron(schedule, { workflow: plan.name, after, now, deliver, report: options.report })
          : every(period, () => deliver(now())),
      );
    }
  }
  return () => {
    for (const stop of stops) stop();
  };
}

interface CronLoop {
  readonly workflow: string;
  readonly after: After;
  readonly now: () => Date;
  readonly deliver: (time: Date) => void;
  readonly report: (line: string) => void;
}

/** Waits for each time a cron expression names and delivers it; returns the function that stops waiting. */
function startCron(expression: string, loop: CronLoop): () => void {
  const schedule = cronSchedule(expression);
  let cancel: (() => void) | undefined;
  let lastFired = 0;
  const arm = (announce: boolean) => {
    const from = Math.max(lastFired, loop.now().getTime());
    const next = nextCronTime(schedule, new Date(from));
    if (next === undefined) {
      loop.report(`schedule ${expression} of ${loop.workflow} never fires again`);
      return;
    }
    if (announce) loop.report(`schedule ${expression} of ${loop.workflow} fires next at ${eventTime(next)}`);
    const wait = next.getTime() - loop.now().getTime();
    cancel = loop.after(Math.min(Math.max(wait, 0), MAX_TIMER_MS), () => {
      // A timer may wake before its time (a capped wait, a clock adjusted backwards): wait on.
      if (loop.now().getTime() >= next.getTime()) {
        lastFired = next.getTime();
        loop.deliver(next);
      }
      arm(false);
    });
  };
  arm(true);
  return () => cancel?.();
}

function fireSchedule(options: LocalSchedulesOptions, workflow: string, schedule: string, time: Date): void {
  const event = {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    time: eventTime(time),
    resources: [],
    detail: {},
  };
  options.trigger({ weft: { workflow, schedule }, event }).then(
    (runs) =>
      options.report(
        `schedule ${schedule} started ${workflow} run ${runs.map((run) => run.runId).join(', ')}`,
      ),
    (error: unknown) =>
      options.report(
        `schedule ${schedule} of ${workflow} failed: ${error instanceof Error ? error.message : String(error)}`,
      ),
  );
}
