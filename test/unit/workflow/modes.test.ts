import { describe, expect, it } from 'vitest';
import { renderDot, renderMermaid } from '../../../src/workflow/index.ts';
import { compiled, errors } from './helpers.ts';

/** Pay on the critical path; the e-mail async, and the survey after it (async as its only dep is). */
const ORDER = `workflow:
  name: order
  mode: sync
  tasks:
    - id: pay
    - id: email
      deps: [pay]
      mode: async
    - id: survey
      deps: [email]
`;

describe('mode:', () => {
  it('compiles a sync workflow with async tasks; an async workflow has neither', () => {
    const plan = compiled(ORDER);
    expect(plan.mode).toBe('sync');
    expect(plan.tasks.email?.mode).toBe('async');
    expect(plan.offPath).toEqual(['email', 'survey']);
    const plain = compiled('workflow:\n  name: plain\n  mode: async\n  tasks:\n    - id: a\n');
    expect(plain.mode).toBeUndefined();
    expect(plain.offPath).toBeUndefined();
  });

  it('gives a sync workflow another plan version than the same tasks async', () => {
    const tasks = '  tasks:\n    - id: a\n    - id: b\n      deps: [a]\n';
    const sync = compiled(`workflow:\n  name: w\n  mode: sync\n${tasks}`);
    const plain = compiled(`workflow:\n  name: w\n${tasks}`);
    expect(sync.version).not.toBe(plain.version);
  });

  it("refuses 'mode: async' on a task of an async workflow, at the field, with the fix", () => {
    expect(errors('workflow:\n  name: w\n  tasks:\n    - id: a\n      mode: async\n')).toEqual([
      "flow.yaml:5:13: task 'a': 'mode: async' applies only in a workflow with 'mode: sync' (in an async workflow every task is async already): remove it, or set 'mode: sync' on the workflow",
    ]);
  });

  it('refuses unknown modes, naming the ones there are', () => {
    const [workflowMode] = errors('workflow:\n  name: w\n  mode: fast\n  tasks:\n    - id: a\n');
    expect(workflowMode).toMatch(/^flow\.yaml:3:9: .*'async'.*'sync'/);
    const [taskMode] = errors(
      'workflow:\n  name: w\n  mode: sync\n  tasks:\n    - id: a\n      mode: sync\n',
    );
    expect(taskMode).toMatch(/^flow\.yaml:6:13: .*'async'/);
  });
});

describe('weft graph of a sync workflow', () => {
  const plan = compiled(ORDER);

  it('says so in Mermaid: a header line, the async tasks noted and greyed', () => {
    const text = renderMermaid(plan);
    expect(text).toContain(
      '%% mode: sync (the accepting process runs the critical path and answers; email, survey run async after)',
    );
    expect(text).toContain('t1["email<br/>mode: async"]');
    expect(text).toContain('t2["survey<br/>async (its deps are)"]');
    expect(text).toContain('  class t1,t2 async');
    expect(text).toContain('t0["pay"]');
  });

  it('says so in DOT: the graph label, the async tasks grey', () => {
    const text = renderDot(plan);
    expect(text).toContain(
      'label="mode: sync (the accepting process runs the critical path and answers; email, survey run async after)"',
    );
    expect(text).toMatch(/"email" \[label="email\\nmode: async", color="#9ca3af"/);
    expect(text).toMatch(/"pay" \[label="pay", style="rounded"\]/);
  });

  it('draws an async workflow as before', () => {
    const text = renderMermaid(compiled('workflow:\n  name: plain\n  tasks:\n    - id: a\n'));
    expect(text).not.toContain('mode');
    expect(text).not.toContain('async');
  });
});
