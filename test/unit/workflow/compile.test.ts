import { describe, expect, it } from 'vitest';
import { loadPlan, renderDot, renderMermaid, WorkflowError } from '../../../src/workflow/index.ts';
import { compiled, LOAN_APPROVAL, workflow } from './helpers.ts';

describe('compiling the request example', () => {
  const plan = compiled(LOAN_APPROVAL);

  it('derives the graph', () => {
    expect(plan.name).toBe('loan_approval');
    expect(plan.order).toEqual(['credit_check', 'fraud_detection', 'final_decision']);
    expect(plan.roots).toEqual(['credit_check']);
    expect(plan.sinks).toEqual(['final_decision']);
    expect(plan.levels).toEqual([['credit_check'], ['fraud_detection'], ['final_decision']]);
    expect(plan.criticalPath).toEqual(['credit_check', 'fraud_detection', 'final_decision']);
    expect(plan.tasks.credit_check?.dependents).toEqual(['fraud_detection', 'final_decision']);
    expect(plan.tasks.final_decision?.deps).toEqual(['credit_check', 'fraud_detection']);
  });

  it('normalises settings, durations in ms, with defaults', () => {
    expect(plan.tasks.credit_check).toMatchObject({
      handler: 'credit_check',
      retry: { maxAttempts: 3, backoffMs: 1000, backoffRate: 2, jitter: 'full' },
      compensation: { handler: 'revert_credit_query', retry: { maxAttempts: 3, backoffMs: 1000 } },
    });
    expect(plan.tasks.fraud_detection?.timeoutMs).toBe(30_000);
    expect(plan.tasks.fraud_detection?.retry).toEqual({
      maxAttempts: 1,
      backoffMs: 1000,
      backoffRate: 2,
      jitter: 'full',
    });
    expect(plan.triggers).toEqual([]);
    expect(plan.schedules).toEqual([]);
  });

  it('is JSON-serialisable without loss', () => {
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
  });
});

describe('task settings', () => {
  it('reads every retry field', () => {
    const plan = compiled(
      workflow(
        '{id: a, retry_policy: {max_attempts: 5, backoff: 250ms, backoff_rate: 1.5, max_backoff: 1m, jitter: none, retry_on: [Throttled]}}',
      ),
    );
    expect(plan.tasks.a?.retry).toEqual({
      maxAttempts: 5,
      backoffMs: 250,
      backoffRate: 1.5,
      maxBackoffMs: 60_000,
      jitter: 'none',
      retryOn: ['Throttled'],
    });
  });

  it('gives a compensation 3 attempts when its task has no policy', () => {
    const plan = compiled(workflow('{id: a, compensation: undo_a}'));
    expect(plan.tasks.a?.retry.maxAttempts).toBe(1);
    expect(plan.tasks.a?.compensation?.retry.maxAttempts).toBe(3);
  });

  it('reads isolation into the plan, none being the default and left out', () => {
    const plan = compiled(
      workflow(
        '{id: a}',
        '{id: b, isolation: none}',
        '{id: c, isolation: thread}',
        '{id: d, isolation: process, lambda: pay}',
      ),
    );
    expect(plan.tasks.a?.isolation).toBeUndefined();
    expect(plan.tasks.b?.isolation).toBeUndefined();
    expect(plan.tasks.c?.isolation).toBe('thread');
    expect(plan.tasks.d).toMatchObject({ isolation: 'process', lambda: 'pay' });
  });

  it('marks isolated tasks in weft graph, Mermaid and DOT', () => {
    const plan = compiled(workflow('{id: a}', '{id: crunch, deps: [a], isolation: thread}'));
    expect(renderMermaid(plan)).toContain('t1["crunch<br/>isolation: thread"]');
    expect(renderDot(plan)).toContain('label="crunch\\nisolation: thread"');
  });

  it('versions isolation as a setting, and leaves the version of a plan without it as it was', () => {
    const none = compiled(workflow('{id: a}')).version;
    expect(compiled(workflow('{id: a, isolation: none}')).version).toBe(none);
    const thread = compiled(workflow('{id: a, isolation: thread}')).version;
    const process = compiled(workflow('{id: a, isolation: process}')).version;
    expect(new Set([none, thread, process]).size).toBe(3);
  });

  it('reads handler, lambda, timeout and heartbeat', () => {
    const plan = compiled(
      workflow(
        '{id: a, handler: doA, timeout: 1m30s, heartbeat: 10s}',
        '{id: pay, deps: [a], lambda: "arn:aws:lambda:eu-west-1:123456789012:function:pay:live"}',
      ),
    );
    expect(plan.tasks.a).toMatchObject({ handler: 'doA', timeoutMs: 90_000, heartbeatMs: 10_000 });
    expect(plan.tasks.pay?.lambda).toBe('arn:aws:lambda:eu-west-1:123456789012:function:pay:live');
    expect(plan.tasks.pay?.handler).toBe('pay');
  });

  it('reads workflow description, timeout, triggers and schedules', () => {
    const plan = compiled(`workflow:
  name: w
  description: nightly
  timeout: 1h
  schedule: rate(5 minutes)
  on:
    - pattern: {source: [orders], detail-type: [OrderPlaced]}
      input: {order: $.detail.id, channel: web}
  tasks:
    - id: a
`);
    expect(plan.description).toBe('nightly');
    expect(plan.timeoutMs).toBe(3_600_000);
    expect(plan.schedules).toEqual(['rate(5 minutes)']);
    expect(plan.triggers).toEqual([
      {
        pattern: { source: ['orders'], 'detail-type': ['OrderPlaced'] },
        input: { order: '$.detail.id', channel: 'web' },
      },
    ]);
  });
});

describe('graph order', () => {
  it('breaks ties by file order (Kahn)', () => {
    const plan = compiled(workflow('{id: c, deps: [b]}', '{id: b}', '{id: a}', '{id: d, deps: [a, c]}'));
    expect(plan.order).toEqual(['b', 'c', 'a', 'd']);
    expect(plan.levels).toEqual([['b', 'a'], ['c'], ['d']]);
    expect(plan.roots).toEqual(['b', 'a']);
    expect(plan.criticalPath).toEqual(['b', 'c', 'd']);
    expect(Object.keys(plan.tasks)).toEqual(['c', 'b', 'a', 'd']);
  });
});

describe('version', () => {
  it('ignores formatting, comments and key order', () => {
    const a = compiled(LOAN_APPROVAL).version;
    const b = compiled(
      LOAN_APPROVAL.replace('deps: []', '# none\n      deps: [ ]').replace(
        'retry_policy: {max_attempts: 3, backoff: 1s}',
        'retry_policy: {backoff: 1000ms, max_attempts: 3}',
      ),
    ).version;
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(b).toBe(a);
  });

  it('changes when a setting changes', () => {
    const a = compiled(LOAN_APPROVAL).version;
    expect(compiled(LOAN_APPROVAL.replace('timeout: 30s', 'timeout: 31s')).version).not.toBe(a);
    expect(compiled(LOAN_APPROVAL.replace('revert_credit_query', 'undo')).version).not.toBe(a);
  });

  it('changes when what a task does changes: its condition, timer, callback, child, map, limits, locks, mode', () => {
    const flow = (extra: string) =>
      compiled(
        `workflow:\n  name: w\n  mode: sync\n  tasks:\n    - id: a\n    - id: b\n      deps: [a]\n${extra}`,
      ).version;
    const variants = [
      '',
      '      when: deps.a > 1\n',
      '      when: deps.a > 2\n',
      '      sleep: 2s\n',
      '      sleep: 3s\n',
      '      callback: {}\n',
      '      callback: { timeout: 1h }\n',
      '      workflow: other\n',
      "      map: { items: 'deps.a' }\n",
      "      map: { items: 'deps.a', max_concurrency: 2 }\n",
      '      concurrency: { limit: 2 }\n',
      '      locks: ["x"]\n',
      '      locks: ["y"]\n',
      '      mode: async\n',
    ];
    const versions = variants.map(flow);
    expect(new Set(versions).size).toBe(variants.length);
  });

  it('is the same for the JSON form of the same definition', () => {
    const plan = compiled(LOAN_APPROVAL);
    const json = JSON.stringify({
      workflow: {
        name: 'loan_approval',
        tasks: [
          {
            id: 'credit_check',
            deps: [],
            retry_policy: { max_attempts: 3, backoff: '1s' },
            compensation: 'revert_credit_query',
          },
          { id: 'fraud_detection', deps: ['credit_check'], timeout: '30s' },
          { id: 'final_decision', deps: ['credit_check', 'fraud_detection'] },
        ],
      },
    });
    expect(compiled(json, 'loan.json')).toEqual(plan);
  });
});

describe('loadPlan', () => {
  it('throws a WorkflowError carrying every diagnostic', () => {
    const text = workflow('{id: a, deps: [b]}', '{id: a}');
    try {
      loadPlan(text, 'w.yaml');
      expect.fail('expected a WorkflowError');
    } catch (error) {
      expect(error).toBeInstanceOf(WorkflowError);
      const workflowError = error as WorkflowError;
      expect(workflowError.code).toBe('workflow.invalid');
      expect(workflowError.diagnostics).toHaveLength(2);
      expect(workflowError.message.split('\n')).toEqual([
        "w.yaml:4:22: task 'a' depends on unknown task 'b'",
        "w.yaml:5:12: duplicate task id 'a' (first defined on line 4); ids must be unique",
      ]);
    }
  });
});
