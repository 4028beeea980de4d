import { z } from 'zod';
import { MAX_BODY_DEPTH } from '../api/body-limits.ts';
import { UserInputError } from '../errors.ts';
import { sha256 } from '../runtime/canonical-json.ts';
import { EVENT_KEY_PREFIX, keyProblem } from '../runtime/run-ids.ts';
import type { Json, PlanCatalog, Runtime } from '../runtime/types.ts';
import { valueTooDeep } from '../workflow/json-depth.ts';
import { matchesPattern } from './event-pattern.ts';
import { mapInput } from './input-mapping.ts';

/** The envelope fields weft reads from an EventBridge event; the rest is kept for input mapping. */
const eventSchema = z.looseObject({
  // an event id is an idempotency key (one run per event), under the same rule as a client's
  id: z.string().superRefine((id, ctx) => {
    const problem = keyProblem(id);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: `the event id ${problem}` });
  }),
  source: z.string().optional(),
  'detail-type': z.string().optional(),
  time: z.string().optional(),
  detail: z.json().optional(),
});

/**
 * What the trigger function receives. The rules the CDK app creates wrap the event with the workflow they
 * were made for (`{ weft: { workflow, trigger }, event }` or `{ weft: { workflow, schedule }, event }`), so
 * an event matching two workflows' rules starts each workflow once. A bare EventBridge event (`weft dev`'s
 * `POST /events`) is matched against every workflow's triggers.
 */
const wrappedSchema = z.strictObject({
  weft: z.union([
    z.strictObject({ workflow: z.string(), trigger: z.number().int().nonnegative() }),
    z.strictObject({ workflow: z.string(), schedule: z.string() }),
  ]),
  event: eventSchema,
});

/**
 * The deepest payload accepted: a request body's limit, plus the object a rule wraps the event in. Checked
 * before the schema, whose validation recurses.
 */
export const MAX_PAYLOAD_DEPTH = MAX_BODY_DEPTH + 1;

/** One run a trigger started (or found already started). */
export interface TriggeredRun {
  readonly workflow: string;
  readonly runId: string;
  /** False when an earlier delivery of the same event already started it. */
  readonly created: boolean;
}

export interface TriggerHandlerDeps {
  readonly runtime: Runtime;
  readonly plans: PlanCatalog;
}

/** Starts the runs an event calls for; resolves to them (none when nothing matches). */
export type TriggerHandler = (payload: unknown) => Promise<readonly TriggeredRun[]>;

/**
 * The idempotency key of the run a workflow starts for an event: EventBridge delivers at least once and
 * retries failed invocations with the same event id, and the same key always maps to the same run.
 */
export function triggerIdempotencyKey(workflow: string, eventId: string): string {
  const key = `${EVENT_KEY_PREFIX}${workflow}:${eventId}`;
  // within the one rule for keys; an event id long enough to break it is hashed (still one run per event)
  return keyProblem(key) === undefined ? key : `${EVENT_KEY_PREFIX}${workflow}:sha256:${sha256(eventId)}`;
}

/**
 * Builds the trigger function: matches an event to workflow triggers (`on:`) or schedules (`schedule:`),
 * maps it to each run's input and submits with the event id as the idempotency key, so redeliveries never
 * start a second run. A malformed payload is a `UserInputError`; a failed submission throws after the
 * other matches were submitted, so the invocation is retried and the retry starts only what is missing.
 *
 * @example
 * export const handler = createTriggerHandler({ runtime, plans });
 */
export function createTriggerHandler(deps: TriggerHandlerDeps): TriggerHandler {
  return async (payload) => {
    if (valueTooDeep(payload, MAX_PAYLOAD_DEPTH)) {
      throw new UserInputError(
        'trigger.invalidEvent',
        `not an EventBridge event weft can map: it nests arrays and objects more than ${MAX_PAYLOAD_DEPTH} levels deep`,
      );
    }
    const wrapped = wrappedSchema.safeParse(payload);
    const parsed = wrapped.success ? wrapped : eventSchema.safeParse(payload);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue && issue.path.length > 0 ? ` at '${issue.path.join('.')}'` : '';
      throw new UserInputError(
        'trigger.invalidEvent',
        `not an EventBridge event${where}: ${issue?.message ?? 'invalid'}; an event needs at least an 'id'`,
      );
    }
    const starts = wrapped.success
      ? targeted(deps, wrapped.data)
      : matching(deps, parsed.data as EventEnvelope);
    const results = await Promise.allSettled(
      starts.map(async (start): Promise<TriggeredRun> => {
        const submitted = await deps.runtime.submit({
          workflow: start.workflow,
          input: start.input,
          idempotencyKey: triggerIdempotencyKey(start.workflow, start.eventId),
        });
        return { workflow: start.workflow, ...submitted };
      }),
    );
    const failed = results.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    return results.map((result) => (result as PromiseFulfilledResult<TriggeredRun>).value);
  };
}

type EventEnvelope = z.infer<typeof eventSchema>;

interface Start {
  readonly workflow: string;
  readonly eventId: string;
  readonly input: Json;
}

function targeted(
  deps: TriggerHandlerDeps,
  payload: {
    weft: { workflow: string; trigger: number } | { workflow: string; schedule: string };
    event: EventEnvelope;
  },
): Start[] {
  const { weft, event } = payload;
  const plan = deps.plans.byName(weft.workflow);
  if (plan === undefined) {
    throw new UserInputError(
      'workflow.unknown',
      `the rule names workflow '${weft.workflow}', which this deployment does not have`,
    );
  }
  if ('schedule' in weft) {
    return [
      {
        workflow: plan.name,
        eventId: event.id,
        input: { schedule: weft.schedule, time: event.time ?? null },
      },
    ];
  }
  const trigger = plan.triggers[weft.trigger];
  if (trigger === undefined) {
    throw new UserInputError(
      'trigger.unknown',
      `workflow '${plan.name}' has no trigger number ${weft.trigger}`,
    );
  }
  return [{ workflow: plan.name, eventId: event.id, input: mapInput(trigger.input, event as Json) }];
}

/** Every workflow with a trigger matching the event, once each (its first matching trigger maps the input). */
function matching(deps: TriggerHandlerDeps, event: EventEnvelope): Start[] {
  const starts: Start[] = [];
  for (const plan of deps.plans.list()) {
    const trigger = plan.triggers.find((candidate) => matchesPattern(candidate.pattern, event));
    if (trigger)
      starts.push({ workflow: plan.name, eventId: event.id, input: mapInput(trigger.input, event as Json) });
  }
  return starts;
}
