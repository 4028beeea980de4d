import { randomUUID } from 'node:crypto';
import type { TriggerHandler } from '../triggers/trigger-handler.ts';
import type { Plan } from '../workflow/plan.ts';

const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** The period of a `rate(...)` expression in milliseconds, or undefined for anything else (`cron(...)`). */
export function ratePeriodMs(expression: string): number | undefined {
  const match = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(expression);
  if (!match) return undefined;
  return Number(match[1]) * (UNIT_MS[match[2] as string] as number);
}

/** Calls `fire` every `ms` until the returned function is called. */
export type Every = (ms: number, fire: () => void) => () => void;

const realEvery: Every = (ms, fire) => {
  const timer = setInterval(fire, ms);
  timer.unref();
  return () => clearInterval(timer);
};

export interface LocalSchedulesOptions {
  readonly plans: readonly Plan[];
  readonly trigger: TriggerHandler;
  /** Told about each firing's outcome, and about the schedules that are not fired (cron). */
  readonly report: (line: string) => void;
  /** @default setInterval */
  readonly every?: Every;
  readonly now?: () => Date;
}

/**
 * Fires the workflows' `rate(...)` schedules on their period, delivering what EventBridge's scheduled rule
 * would (a fresh event id each time) to the trigger handler. `cron(...)` schedules are listed, not fired:
 * post a scheduled delivery to `POST /events` to fire one. Returns the function that stops them.
 */
export function startLocalSchedules(options: LocalSchedulesOptions): () => void {
  const every = options.every ?? realEvery;
  const now = options.now ?? (() => new Date());
  const stops: (() => void)[] = [];
  for (const plan of options.plans) {
    for (const schedule of plan.schedules) {
      const period = ratePeriodMs(schedule);
      if (period === undefined) {
        options.report(
          `schedule ${schedule} of ${plan.name} is not fired by weft dev; POST /events fires it`,
        );
        continue;
      }
      stops.push(
        every(period, () => {
          const event = {
            id: randomUUID(),
            source: 'aws.events',
            'detail-type': 'Scheduled Event',
            time: now().toISOString(),
            detail: {},
          };
          options.trigger({ weft: { workflow: plan.name, schedule }, event }).then(
            (runs) =>
              options.report(
                `schedule ${schedule} started ${plan.name} run ${runs.map((run) => run.runId).join(', ')}`,
              ),
            (error: unknown) =>
              options.report(
                `schedule ${schedule} of ${plan.name} failed: ${error instanceof Error ? error.message : String(error)}`,
              ),
          );
        }),
      );
    }
  }
  return () => {
    for (const stop of stops) stop();
  };
}
