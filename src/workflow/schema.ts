import { z } from 'zod';
import { DURATION_EXAMPLES, parseDuration } from './duration.ts';
import { scheduleProblem } from './schedule.ts';
import { checkEventPattern, checkInputMapping } from './triggers.ts';

/**
 * The workflow language as written, checked field by field. Each schema's `error` is the phrase that
 * completes "<field> must be ...": the issue mapper adds the field's name and the value found.
 */

/** Task ids become storage keys and Step Functions state names: hence the alphabet and the 80 limit. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,80}$/;
const ID_RULE = 'letters, digits, _ and -, 1 to 80 characters';
/** Function name, name:qualifier, partial or full ARN: AWS's own pattern for `Invoke`'s FunctionName. */
const LAMBDA_PATTERN =
  /^(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]{1,64})(:(\$LATEST|[a-zA-Z0-9-_]+))?$/;

const taskId = z
  .string({ error: `a task id (${ID_RULE})` })
  .regex(ID_PATTERN, { error: `a task id (${ID_RULE})` });
const handlerName = z
  .string({ error: 'the name of a handler export' })
  .regex(/^[^\s]{1,200}$/, { error: 'the name of a handler export (no spaces, up to 200 characters)' });

/** A duration of at least `minMs` milliseconds. */
function duration(minMs: number) {
  const phrase = `a ${minMs > 0 ? 'positive ' : ''}duration such as ${DURATION_EXAMPLES}`;
  return z.string({ error: phrase }).refine(
    (text) => {
      const ms = parseDuration(text);
      return ms !== undefined && ms >= minMs;
    },
    { error: phrase },
  );
}

export const RETRY_KEYS = [
  'max_attempts',
  'backoff',
  'backoff_rate',
  'max_backoff',
  'jitter',
  'retry_on',
] as const;
const retryPolicy = z
  .strictObject(
    {
      max_attempts: z
        .number({ error: 'an integer of at least 1' })
        .int({ error: 'an integer of at least 1' })
        .min(1, { error: 'an integer of at least 1' })
        .optional(),
      backoff: duration(0).optional(),
      backoff_rate: z
        .number({ error: 'a number of at least 1' })
        .min(1, { error: 'a number of at least 1' })
        .max(1000, { error: 'a number of at least 1 and at most 1000' })
        .optional(),
      max_backoff: duration(1).optional(),
      jitter: z.enum(['full', 'none'], { error: "'full' or 'none'" }).optional(),
      retry_on: z
        .array(z.string({ error: 'an error name' }).min(1, { error: 'an error name' }), {
          error: 'a list of error names',
        })
        .optional(),
    },
    { error: 'a mapping of retry settings' },
  )
  .superRefine((policy, ctx) => {
    const backoff = policy.backoff === undefined ? 1000 : (parseDuration(policy.backoff) ?? 0);
    const max = policy.max_backoff === undefined ? undefined : parseDuration(policy.max_backoff);
    if (max !== undefined && max < backoff) {
      ctx.addIssue({
        code: 'custom',
        path: ['max_backoff'],
        message: `at least the backoff (${policy.backoff ?? '1s'})`,
      });
    }
  });

/** Where a task's handler runs: in weft's process, a worker thread of it, or a process of its own. */
export const ISOLATIONS = ['none', 'thread', 'process'] as const;

export const TASK_KEYS = [
  'id',
  'deps',
  'handler',
  'lambda',
  'retry_policy',
  'timeout',
  'heartbeat',
  'compensation',
  'when',
  'sleep',
  'sleep_until',
  'callback',
  'workflow',
  'input',
  'isolation',
  'map',
  'concurrency',
  'locks',
  'mode',
] as const;
/** A heartbeat interval must be shorter than the timeout it sits in (a task's, or a callback wait's). */
function heartbeatProblem(value: {
  readonly timeout?: string | undefined;
  readonly heartbeat?: string | undefined;
}): { path: string[]; message: string } | undefined {
  const timeout = value.timeout === undefined ? undefined : parseDuration(value.timeout);
  const heartbeat = value.heartbeat === undefined ? undefined : parseDuration(value.heartbeat);
  if (timeout === undefined || heartbeat === undefined || heartbeat < timeout) return undefined;
  return { path: ['heartbeat'], message: `shorter than the timeout (${value.timeout})` };
}

export const CALLBACK_KEYS = ['timeout', 'heartbeat'] as const;
/** Waiting for an external completion (`POST /callbacks/{token}`): how long, and how long between heartbeats. */
const callback = z
  .strictObject(
    { timeout: duration(1).optional(), heartbeat: duration(1).optional() },
    { error: "a mapping of callback settings such as '{ timeout: 3d }'" },
  )
  .superRefine((value, ctx) => {
    const problem = heartbeatProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', ...problem });
  });
export const MAP_KEYS = ['items', 'max_concurrency', 'tolerated_failures'] as const;
/** Items in flight at once per map, at most (lanes; each records its end on the map's own item). */
export const MAX_MAP_CONCURRENCY = 1000;
/** `tolerated_failures` as a percentage of the items. */
export const PERCENT_PATTERN = /^(100|[1-9]?[0-9])(\.[0-9]+)?%$/;
export const CONCURRENCY_KEYS = ['limit', 'key'] as const;
/** How many runs (or attempts of a task) may be in flight at once, per key. */
const concurrency = z.strictObject(
  {
    limit: z
      .number({ error: 'an integer from 1 to 1000' })
      .int({ error: 'an integer from 1 to 1000' })
      .min(1, { error: 'an integer from 1 to 1000' })
      .max(1000, { error: 'an integer from 1 to 1000' }),
    key: z
      .string({ error: "a text such as '${input.tenant}', each ${ } a JSONata expression" })
      .min(1, { error: "a text such as '${input.tenant}', each ${ } a JSONata expression" })
      .optional(),
  },
  { error: 'a mapping of concurrency settings such as \'{ limit: 5, key: "${input.tenant}" }\'' },
);
const TOLERATED = "a count of items such as 3, or a percentage such as '10%'";
/** A JSONata expression; its syntax is checked with its position by expression-checks.ts. */
const expression = (example: string) =>
  z.string({ error: `a JSONata expression such as ${example}` }).min(1, {
    error: `a JSONata expression such as ${example}`,
  });
const task = z
  .strictObject(
    {
      id: taskId,
      deps: z.array(taskId, { error: 'a list of task ids' }).optional(),
      handler: handlerName.optional(),
      lambda: z
        .string({ error: 'a Lambda function name or ARN' })
        .regex(LAMBDA_PATTERN, { error: 'a Lambda function name or ARN' })
        .optional(),
      retry_policy: retryPolicy.optional(),
      timeout: duration(1).optional(),
      heartbeat: duration(1).optional(),
      compensation: handlerName.optional(),
      when: expression("'deps.score.value > 600'").optional(),
      sleep: duration(1).optional(),
      sleep_until: z
        .string({ error: "an ISO time, or an expression giving one, such as '${input.release_at}'" })
        .min(1, { error: "an ISO time, or an expression giving one, such as '${input.release_at}'" })
        .optional(),
      callback: callback.optional(),
      workflow: z
        .string({ error: `the name of another workflow (${ID_RULE})` })
        .regex(ID_PATTERN, { error: `the name of another workflow (${ID_RULE})` })
        .optional(),
      input: expression('"{ \'user\': input.user_id }"').optional(),
      isolation: z
        .enum(ISOLATIONS, {
          error:
            "'none' (the default: in weft's process), 'thread' (a worker thread, for CPU-heavy handlers) or 'process' (a child process locally, the task's own Lambda function on AWS)",
        })
        .optional(),
      map: z
        .strictObject(
          {
            items: expression("'deps.load.applicants'"),
            max_concurrency: z
              .number({ error: `an integer from 1 to ${MAX_MAP_CONCURRENCY}` })
              .int({ error: `an integer from 1 to ${MAX_MAP_CONCURRENCY}` })
              .min(1, { error: `an integer from 1 to ${MAX_MAP_CONCURRENCY}` })
              .max(MAX_MAP_CONCURRENCY, { error: `an integer from 1 to ${MAX_MAP_CONCURRENCY}` })
              .optional(),
            tolerated_failures: z
              .union(
                [
                  z.number({ error: TOLERATED }).int({ error: TOLERATED }).min(0, { error: TOLERATED }),
                  z.string({ error: TOLERATED }).regex(PERCENT_PATTERN, { error: TOLERATED }),
                ],
                { error: TOLERATED },
              )
              .optional(),
          },
          { error: "a mapping of map settings such as '{ items: deps.load.applicants }'" },
        )
        .optional(),
      concurrency: concurrency.optional(),
      locks: z
        .array(
          z
            .string({ error: "a lock name such as 'account:${input.sender}'" })
            .min(1, { error: "a lock name such as 'account:${input.sender}'" }),
          { error: "a list of lock names such as ['account:${input.sender}']" },
        )
        .max(16, { error: 'a list of at most 16 lock names' })
        .optional(),
      mode: z
        .enum(['async'], {
          error:
            "'async' (off a sync workflow's critical path: the answer does not wait for it); a task has no other mode",
        })
        .optional(),
    },
    { error: 'a task mapping (id, deps, ...)' },
  )
  .superRefine((value, ctx) => {
    if (value.handler !== undefined && value.lambda !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['lambda'],
        message: "absent when 'handler' is given (a task runs a handler or a Lambda function, not both)",
      });
    }
    for (const problem of timerProblems(value)) ctx.addIssue({ code: 'custom', ...problem });
    const waitsOnly =
      value.callback !== undefined && value.handler === undefined && value.lambda === undefined;
    if (waitsOnly && value.isolation !== undefined && value.isolation !== 'none') {
      ctx.addIssue({
        code: 'custom',
        path: ['isolation'],
        message:
          "absent on a callback task without 'handler' or 'lambda' (it runs no handler to isolate: it only waits)",
      });
    }
    for (const problem of childProblems(value)) ctx.addIssue({ code: 'custom', ...problem });
    for (const problem of mapProblems(value)) ctx.addIssue({ code: 'custom', ...problem });
    const problem = heartbeatProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', ...problem });
  });

/** A sleep is a durable timer, not a handler: it takes none of a handler's fields, and one kind of sleep. */
function timerProblems(value: {
  readonly sleep?: string | undefined;
  readonly sleep_until?: string | undefined;
  readonly [key: string]: unknown;
}): { path: string[]; message: string }[] {
  if (value.sleep === undefined && value.sleep_until === undefined) return [];
  if (value.callback !== undefined) {
    const field = value.sleep === undefined ? 'sleep_until' : 'sleep';
    return [
      {
        path: ['callback'],
        message: `absent on a task with '${field}' (a task sleeps or waits for a callback: make them two tasks)`,
      },
    ];
  }
  const field = value.sleep === undefined ? 'sleep_until' : 'sleep';
  if (value.sleep !== undefined && value.sleep_until !== undefined) {
    return [
      {
        path: ['sleep_until'],
        message: "absent when 'sleep' is given (a task sleeps for a duration or until a time)",
      },
    ];
  }
  const until = value.sleep_until;
  if (until !== undefined && !until.includes('${') && !isIsoTime(until)) {
    return [
      {
        path: ['sleep_until'],
        message:
          "an ISO time such as '2026-12-24T09:00:00Z', or an expression giving one, such as '${input.release_at}'",
      },
    ];
  }
  return ['handler', 'lambda', 'compensation', 'retry_policy', 'timeout', 'heartbeat', 'isolation']
    .filter((key) => value[key] !== undefined && !(key === 'isolation' && value[key] === 'none'))
    .map((key) => ({
      path: [key],
      message: `absent on a task with '${field}' (a sleep runs no handler: put the work in a task that depends on it)`,
    }));
}

/**
 * A child workflow task runs another workflow's run, not a handler: it takes no handler, timer or wait of
 * its own (the child's workflow `timeout` bounds it), and `input` belongs to it alone.
 */
function childProblems(value: {
  readonly workflow?: string | undefined;
  readonly input?: string | undefined;
  readonly [key: string]: unknown;
}): { path: string[]; message: string }[] {
  if (value.workflow === undefined) {
    if (value.input === undefined) return [];
    return [
      {
        path: ['input'],
        message: "absent without 'workflow' (a task's input is the input of the child workflow it starts)",
      },
    ];
  }
  return ['handler', 'lambda', 'sleep', 'sleep_until', 'callback', 'timeout', 'heartbeat', 'isolation']
    .filter((key) => value[key] !== undefined && !(key === 'isolation' && value[key] === 'none'))
    .map((key) => ({
      path: [key],
      message:
        key === 'timeout' || key === 'heartbeat'
          ? `absent on a task with 'workflow' (the child run is bounded by its own workflow's 'timeout')`
          : `absent on a task with 'workflow' (the child workflow does the work: put '${key}' in one of its tasks)`,
    }));
}

/**
 * A map runs its handler once per item: it takes no timer, wait or child workflow of its own (put those in
 * a task after it, or map over a child workflow's task in a workflow of their own).
 */
function mapProblems(value: {
  readonly map?: unknown;
  readonly [key: string]: unknown;
}): { path: string[]; message: string }[] {
  if (value.map === undefined) return [];
  return ['sleep', 'sleep_until', 'callback', 'workflow']
    .filter((key) => value[key] !== undefined)
    .map((key) => ({
      path: [key],
      message: `absent on a task with 'map' (a map runs its handler once per item: put '${key}' in a task of its own)`,
    }));
}

/** An ISO 8601 date-time with its offset (`Z` or `+hh:mm`), as `sleep_until` takes it. */
export function isIsoTime(text: string): boolean {
  return ISO_TIME.test(text) && !Number.isNaN(Date.parse(text));
}
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export const TRIGGER_KEYS = ['pattern', 'input'] as const;
const trigger = z.strictObject(
  {
    pattern: z
      .record(z.string(), z.unknown(), { error: 'an EventBridge event pattern (a mapping)' })
      .superRefine((pattern, ctx) => {
        for (const problem of checkEventPattern(pattern)) ctx.addIssue({ code: 'custom', ...problem });
      }),
    input: z
      .record(z.string(), z.unknown(), { error: "a mapping from input keys to '$.paths' or literals" })
      .superRefine((input, ctx) => {
        for (const problem of checkInputMapping(input)) ctx.addIssue({ code: 'custom', ...problem });
      })
      .optional(),
  },
  { error: 'a trigger mapping (pattern, input)' },
);

const scheduleExpression = z.string({ error: "'rate(...)' or 'cron(...)'" }).superRefine((text, ctx) => {
  const problem = scheduleProblem(text);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

export const WORKFLOW_KEYS = [
  'name',
  'description',
  'timeout',
  'on_failure',
  'mode',
  'concurrency',
  'tasks',
  'on',
  'schedule',
] as const;
const workflow = z.strictObject(
  {
    name: z
      .string({ error: `a workflow name (${ID_RULE})` })
      .regex(ID_PATTERN, { error: `a workflow name (${ID_RULE})` }),
    description: z.string({ error: 'text' }).optional(),
    timeout: duration(1).optional(),
    on_failure: z
      .enum(['rollback', 'pause'], {
        error: "'rollback' (compensate at once, the default) or 'pause' (wait for a redrive or a rollback)",
      })
      .optional(),
    mode: z
      .enum(['async', 'sync'], {
        error:
          "'async' (the default: tasks go through the queue, the submission is answered at once) or 'sync' (the accepting process runs the tasks and answers when the run is final)",
      })
      .optional(),
    concurrency: concurrency.optional(),
    tasks: z.array(task, { error: 'a list of tasks' }).min(1, { error: 'a list of at least one task' }),
    on: z.array(trigger, { error: 'a list of triggers ({ pattern, input? })' }).optional(),
    schedule: z
      .union([scheduleExpression, z.array(scheduleExpression)], {
        error: "a schedule expression ('rate(5 minutes)', 'cron(0 12 * * ? *)') or a list of them",
      })
      .optional(),
  },
  { error: 'a mapping (name, tasks, ...)' },
);

export const ROOT_KEYS = ['workflow'] as const;
/** The whole file: `workflow:` and nothing else. */
export const definitionSchema = z.strictObject(
  { workflow },
  { error: 'a mapping with a `workflow:` key (name, tasks, ...)' },
);

/** A definition that passed the schema. */
export type Definition = z.infer<typeof definitionSchema>;
export type TaskDefinition = z.infer<typeof task>;
export type RetryPolicyDefinition = z.infer<typeof retryPolicy>;
