import { describe, expect, it } from 'vitest';
import { missingHandlers } from '../../../src/local/handlers.ts';
import { renderMermaid } from '../../../src/workflow/index.ts';
import { compiled, errors, workflow } from './helpers.ts';

describe('callback tasks in a workflow file', () => {
  it('compiles a wait with and without a handler, with its timeout and heartbeat', () => {
    const plan = compiled(
      workflow(
        '{id: ask, handler: email_approver, callback: {timeout: 3d, heartbeat: 1h}}',
        '{id: signal, deps: [ask], callback: {}}',
      ),
    );
    expect(plan.tasks.ask?.callback).toEqual({
      handler: true,
      timeoutMs: 259_200_000,
      heartbeatMs: 3_600_000,
    });
    expect(plan.tasks.signal?.callback).toEqual({ handler: false });
    // a wait without handler needs none in the module
    expect(missingHandlers([plan], { email_approver: () => null })).toEqual([]);
    expect(renderMermaid(plan)).toContain('ask<br/>callback (timeout 3d, heartbeat 1h)');
  });

  it('rejects a wrong callback field with a suggestion, a heartbeat not under the timeout, and a sleep', () => {
    expect(errors(workflow('{id: a, callback: {timout: 3d}}'))).toEqual([
      "flow.yaml:4:26: unknown field 'timout' in task 'a' callback; did you mean 'timeout'?",
    ]);
    expect(errors(workflow('{id: a, callback: {timeout: 1h, heartbeat: 2h}}'))).toEqual([
      "flow.yaml:4:50: task 'a' callback.heartbeat must be shorter than the timeout (1h), got '2h'",
    ]);
    expect(errors(workflow('{id: a, sleep: 1s, callback: {timeout: 1h}}'))).toEqual([
      "flow.yaml:4:36: task 'a' callback must be absent on a task with 'sleep' (a task sleeps or waits for a callback: make them two tasks), got a mapping",
    ]);
  });
});
