import { describe, expect, it } from 'vitest';
import { childLinkProblems } from '../../../src/workflow/child-links.ts';
import { compileSource, loadPlan } from '../../../src/workflow/index.ts';

const wf = (name: string, child?: string) =>
  loadPlan(
    `workflow:\n  name: ${name}\n  tasks:\n    - id: a\n${child ? `    - id: run_${child}\n      deps: [a]\n      workflow: ${child}\n` : ''}`,
    `${name}.yaml`,
  );

describe('child workflow links', () => {
  it('accepts a child that is in the set', () => {
    expect(childLinkProblems([wf('parent', 'kyc'), wf('kyc')])).toEqual([]);
  });

  it('names a missing child, with the nearest name', () => {
    const [problem] = childLinkProblems([wf('parent', 'kyx'), wf('kyc')]);
    expect(problem).toMatchObject({ workflow: 'parent', taskId: 'run_kyx', code: 'workflow.unknownChild' });
    expect(problem?.message).toContain("did you mean 'kyc'?");
  });

  it('refuses a workflow that runs itself through another', () => {
    const problems = childLinkProblems([wf('a_flow', 'b_flow'), wf('b_flow', 'a_flow')]);
    expect(problems.map((p) => p.code)).toEqual(['workflow.childCycle', 'workflow.childCycle']);
    expect(problems[0]?.message).toContain('a_flow -> b_flow -> a_flow');
  });
});

describe('workflow: tasks', () => {
  const errors = (task: string) => {
    const result = compileSource(
      `workflow:\n  name: p\n  tasks:\n    - id: a\n    - id: k\n      deps: [a]\n${task}`,
      'p.yaml',
    );
    return result.ok ? [] : result.diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`);
  };

  it('compiles a child with an input expression', () => {
    const result = compileSource(
      'workflow:\n  name: p\n  tasks:\n    - id: a\n    - id: k\n      deps: [a]\n      workflow: kyc\n      input: "{ \'u\': deps.a.user }"\n',
      'p.yaml',
    );
    expect(result.ok && result.plan.tasks.k?.child).toEqual({
      workflow: 'kyc',
      input: "{ 'u': deps.a.user }",
    });
  });

  it('refuses a handler, a timeout, and an input without a workflow', () => {
    expect(errors('      workflow: kyc\n      handler: h\n      timeout: 1m\n')).toEqual([
      "8:16: task 'k' handler must be absent on a task with 'workflow' (the child workflow does the work: put 'handler' in one of its tasks), got 'h'",
      "9:16: task 'k' timeout must be absent on a task with 'workflow' (the child run is bounded by its own workflow's 'timeout'), got '1m'",
    ]);
    expect(errors('      input: "{ \'a\': 1 }"\n')[0]).toContain("input must be absent without 'workflow'");
  });
});
