import { describe, expect, it } from 'vitest';
import { errors, workflow } from './helpers.ts';

describe('validation', () => {
  it('rejects YAML syntax errors with the parser position', () => {
    expect(errors('workflow:\n  name: w\n  tasks: [a\n')).toEqual([
      expect.stringMatching(/^flow\.yaml:\d+:\d+: YAML syntax error: /),
    ]);
  });

  it('reports an unclosed bracket or quote where it was opened, with where the parser noticed', () => {
    expect(
      errors('workflow:\n  name: w\n  tasks:\n    - id: a\n    - id: b\n      deps: [a, c\n    - id: c\n'),
    ).toEqual([
      "flow.yaml:6:13: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ] (the '[' opened here is not closed; the parser noticed at line 7, col 5)",
    ]);
    expect(
      errors(
        'workflow:\n  name: it\'s\n  tasks:\n    - id: a\n      handler: "run # not a comment\n    - id: c\n',
      ),
    ).toEqual([
      'flow.yaml:5:16: YAML syntax error: Missing closing "quote (the double quote opened here is not closed; the parser noticed at line 7, col 1)',
    ]);
  });

  it('rejects an empty file', () => {
    expect(errors('')).toEqual([
      'flow.yaml:1:1: the file is empty: it must hold `workflow:` with a name and tasks',
    ]);
  });

  it('rejects an unknown key with a suggestion, never ignoring it', () => {
    expect(errors(workflow('{id: a}', '{id: b, dep: [a]}'))).toEqual([
      "flow.yaml:5:15: unknown field 'dep' in task 'b'; did you mean 'deps'?",
    ]);
  });

  it('rejects an unknown key without a close match by listing the known ones', () => {
    expect(errors(workflow('{id: a, colour: red}'))).toEqual([
      "flow.yaml:4:15: unknown field 'colour' in task 'a' (known fields: id, deps, handler, lambda, retry_policy, timeout, heartbeat, compensation, when, sleep, sleep_until, callback, workflow, input, isolation, map, concurrency, locks, mode)",
    ]);
  });

  it('points a workflow field written at the top level back under workflow:', () => {
    expect(errors('name: w\nworkflow:\n  name: w\n  tasks: [{id: a}]\n')).toEqual([
      "flow.yaml:1:1: unknown field 'name' in the file; it belongs under 'workflow:'",
    ]);
  });

  it('rejects out-of-range and mistyped values', () => {
    expect(errors(workflow('{id: a, retry_policy: {max_attempts: 0}, timeout: soon}'))).toEqual([
      "flow.yaml:4:44: task 'a' retry_policy.max_attempts must be an integer of at least 1, got 0",
      "flow.yaml:4:57: task 'a' timeout must be a positive duration such as 250ms, 30s, 5m, 1h, 1d or 1m30s, got 'soon'",
    ]);
    expect(errors(workflow('{id: a, deps: b, retry_policy: {jitter: some, backoff_rate: 0.5}}'))).toEqual([
      "flow.yaml:4:21: task 'a' deps must be a list of task ids, got 'b'",
      "flow.yaml:4:47: task 'a' retry_policy.jitter must be 'full' or 'none', got 'some'",
      "flow.yaml:4:67: task 'a' retry_policy.backoff_rate must be a number of at least 1, got 0.5",
    ]);
  });

  it('rejects a missing id and a bad id', () => {
    expect(errors(workflow('{id: a}', '{deps: [a]}', '{id: "has space"}'))).toEqual([
      "flow.yaml:5:7: workflow.tasks[1] is missing 'id'",
      "flow.yaml:6:12: workflow.tasks[2].id must be a task id (letters, digits, _ and -, 1 to 80 characters), got 'has space'",
    ]);
    expect(errors(workflow(`{id: ${'x'.repeat(81)}}`))).toHaveLength(1);
  });

  it('rejects a duplicate id at the second occurrence', () => {
    expect(errors(workflow('{id: a}', '{id: b}', '{id: a}'))).toEqual([
      "flow.yaml:6:12: duplicate task id 'a' (first defined on line 4); ids must be unique",
    ]);
  });

  it('rejects an unknown dependency, at the dependency, with the nearest id', () => {
    expect(errors(workflow('{id: transform}', '{id: load, deps: [transfrom]}'))).toEqual([
      "flow.yaml:5:25: task 'load' depends on unknown task 'transfrom'; did you mean 'transform'?",
    ]);
  });

  it('rejects a self-dependency and a repeated dependency', () => {
    expect(errors(workflow('{id: a}', '{id: b, deps: [a, b, a]}'))).toEqual([
      "flow.yaml:5:25: task 'b' depends on itself; remove 'b' from its deps",
      "flow.yaml:5:28: task 'b' lists 'a' twice in its deps",
    ]);
  });

  it('names the whole cycle, at the edge that closes it', () => {
    expect(
      errors(
        workflow(
          '{id: ingest, deps: [publish]}',
          '{id: transform, deps: [ingest]}',
          '{id: publish, deps: [transform]}',
        ),
      ),
    ).toEqual(['flow.yaml:4:27: dependency cycle: ingest -> transform -> publish -> ingest']);
  });

  it('reports each independent cycle', () => {
    const lines = errors(
      workflow('{id: a, deps: [b]}', '{id: b, deps: [a]}', '{id: c, deps: [d]}', '{id: d, deps: [c]}'),
    );
    expect(lines).toEqual([
      'flow.yaml:4:22: dependency cycle: a -> b -> a',
      'flow.yaml:6:22: dependency cycle: c -> d -> c',
    ]);
  });

  it('rejects an empty task list', () => {
    expect(errors('workflow:\n  name: w\n  tasks: []\n')).toEqual([
      'flow.yaml:3:10: workflow.tasks must be a list of at least one task, got an empty list',
    ]);
  });

  it('rejects cross-field mistakes', () => {
    expect(
      errors(
        workflow(
          '{id: a, handler: h, lambda: fn, timeout: 10s, heartbeat: 10s, retry_policy: {backoff: 5s, max_backoff: 1s}}',
        ),
      ),
    ).toHaveLength(3);
  });

  it('reports every mistake at once, in file order', () => {
    const lines = errors(`workflow:
  name: bad flow
  timeout: soon
  tasks:
    - id: ingest
      deps: [publish]
      dep: [x]
    - id: transform
      deps: [ingest]
    - id: publish
      deps: [transform]
    - id: ingest
`);
    expect(lines.map((line) => line.split(':').slice(1, 3).join(':'))).toEqual([
      '2:9',
      '3:12',
      '6:14',
      '7:7',
      '12:11',
    ]);
  });
});

describe('triggers and schedules', () => {
  const withWorkflowField = (field: string) => `workflow:\n  name: w\n${field}\n  tasks: [{id: a}]\n`;

  it.each([
    'schedule: rate(1 minute)',
    'schedule: [rate(2 hours), cron(0 12 * * ? *), cron(0/15 8-17 ? * MON-FRI *), cron(0 0 L * ? 2026)]',
    'schedule: [cron(0/30 20-2 ? * MON-FRI *), cron(0 9 ? * 3#2 *), cron(0 18 ? * 6L *), cron(0 0 LW * ? *)]',
    'schedule: [cron(0 9 15W NOV-FEB ? *), cron(0 12 ? * L *), cron(5/10 * ? * fri-mon 2026/2)]',
    'on: [{pattern: {source: [shop], detail: {amount: [{numeric: [">", 100]}], kind: [{prefix: "vip"}], x: [{exists: true}]}}}]',
    'on: [{pattern: {$or: [{source: [a]}, {source: [b]}]}, input: {id: "$.detail.items[0]", k: 3}}]',
  ])('accepts %s', (field) => {
    expect(() => errors(withWorkflowField(`  ${field}`))).toThrow('expected the workflow to be rejected');
  });

  it.each([
    ['schedule: rate(1 minutes)', "'rate(1 minute)' (singular for 1)"],
    ['schedule: rate(5 minute)', "'rate(5 minutes)' (plural above 1)"],
    ['schedule: every day', "'rate(<n> minutes|hours|days)'"],
    ['schedule: cron(0 12 * * *)', 'with 6 fields'],
    ['schedule: cron(0 12 * * * *)', "'?' in exactly one of"],
    ['schedule: cron(61 12 * * ? *)', 'minutes field'],
    ['schedule: cron(0 9 ? * 3#1,6#3 *)', "day-of-week field is '3#1' alone"],
    ['schedule: cron(0 0 L,15 * ? *)', "day-of-month field is 'L' alone"],
    ['schedule: cron(0 0 32W * ? *)', 'valid day-of-month field (1-31'],
    ['schedule: cron(0 0 1 1 ? 2030-2026)', 'valid year field (1970-2199'],
    ['schedule: cron(0 0 ? * 8 *)', 'valid day-of-week field (1-7 or SUN-SAT'],
    ['on: [{pattern: {source: shop}}]', 'EventBridge matches lists'],
    ['on: [{pattern: {}}]', 'non-empty event pattern'],
    ['on: [{pattern: {n: [{numeric: [">"]}]}}]', 'operator and number pairs'],
    ['on: [{pattern: {source: [x]}, input: {id: "$detail"}}]', 'JSONPath'],
    ['on: [{patern: {source: [x]}}]', "did you mean 'pattern'"],
  ])('rejects %s', (field, expected) => {
    const lines = errors(withWorkflowField(`  ${field}`));
    expect(lines.join('\n')).toContain(expected);
  });

  it('rejects a bad lambda name', () => {
    expect(errors(workflow('{id: a, lambda: "arn:aws:s3:::bucket"}')).join('\n')).toContain(
      'must be a Lambda function name or ARN',
    );
  });

  it('rejects an isolation that is not none, thread or process, at its value', () => {
    expect(errors(workflow('{id: a, isolation: container}'))).toEqual([
      "flow.yaml:4:26: task 'a' isolation must be 'none' (the default: in weft's process), 'thread' (a worker thread, for CPU-heavy handlers) or 'process' (a child process locally, the task's own Lambda function on AWS), got 'container'",
    ]);
  });

  it('rejects isolation on a task that runs no handler: a sleep, a child workflow, a callback that only waits', () => {
    expect(errors(workflow('{id: a, sleep: 1s, isolation: thread}'))).toEqual([
      "flow.yaml:4:37: task 'a' isolation must be absent on a task with 'sleep' (a sleep runs no handler: put the work in a task that depends on it), got 'thread'",
    ]);
    expect(errors(workflow('{id: a, workflow: other, isolation: process}')).join('\n')).toContain(
      "isolation must be absent on a task with 'workflow'",
    );
    expect(errors(workflow('{id: a, callback: {timeout: 1d}, isolation: thread}')).join('\n')).toContain(
      "isolation must be absent on a callback task without 'handler' or 'lambda'",
    );
  });
});
