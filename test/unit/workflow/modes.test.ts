import { describe, expect, it } from 'vitest';
import { compiled, errors } from './helpers.ts';

describe('mode:', () => {
  it('compiles a sync workflow with async tasks; an async workflow has neither', () => {
    const plan = compiled(`workflow:
  name: order
  mode: sync
  tasks:
    - id: pay
    - id: email
      deps: [pay]
      mode: async
`);
    expect(plan.mode).toBe('sync');
    expect(plan.tasks.email?.mode).toBe('async');
    expect(plan.offPath).toEqual(['email']);
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
