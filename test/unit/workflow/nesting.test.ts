import { describe, expect, it } from 'vitest';
import { MAX_WORKFLOW_DEPTH } from '../../../src/workflow/source.ts';
import { errors } from './helpers.ts';

describe('deeply nested definitions', () => {
  const open = (levels: number) => '['.repeat(levels);
  const close = (levels: number) => ']'.repeat(levels);

  it('report a .json file nested 10,000 levels at the bracket one level too deep', () => {
    const text = `{"workflow":{"name":"w","tasks":[\n{"id":"a","x":${open(10_000)}${close(10_000)}}]}}`;
    expect(errors(text, 'w.json')).toEqual([
      `w.json:2:${15 + MAX_WORKFLOW_DEPTH - 4}: too deeply nested: more than ${MAX_WORKFLOW_DEPTH} levels of lists and mappings`,
    ]);
  });

  it('report a flow-style .yaml file nested 10,000 levels', () => {
    const text = `workflow:\n  name: w\n  tasks:\n    - id: a\n      x: ${open(10_000)}${close(10_000)}\n`;
    expect(errors(text)).toEqual([
      expect.stringMatching(
        /^flow\.yaml:5:\d+: too deeply nested: more than 64 levels of lists and mappings$/,
      ),
    ]);
  });

  it('report a block-style .yaml file nested 3,000 levels', () => {
    let text = 'workflow:\n  name: w\n  tasks:\n    - id: a\n      x:\n';
    for (let level = 0; level < 3_000; level++) text += `${' '.repeat(8 + level * 2)}k:\n`;
    expect(errors(text)).toEqual([
      expect.stringMatching(
        /^flow\.yaml:\d+:\d+: too deeply nested: more than 64 levels of lists and mappings$/,
      ),
    ]);
  });

  it('report a .yaml file whose aliases expand beyond the limit, though none is written that deep', () => {
    const anchors = ['  a0: &a0 [[[[[[[[[[1]]]]]]]]]]'];
    for (let n = 1; n < 10; n++) anchors.push(`  a${n}: &a${n} [[[[[[[[[[*a${n - 1}]]]]]]]]]]`);
    const text = `workflow:\n  name: w\n${anchors.join('\n')}\n  tasks: [{ id: a }]\n`;
    expect(errors(text)).toEqual([
      'flow.yaml:1:1: too deeply nested: more than 64 levels of lists and mappings once its aliases (*name) are expanded',
    ]);
  });

  it('accept nesting up to the limit', () => {
    // the document, workflow, tasks, the task: four levels before x
    const levels = MAX_WORKFLOW_DEPTH - 4;
    const text = `workflow:\n  name: w\n  tasks:\n    - id: a\n      x: ${open(levels)}${close(levels)}\n`;
    expect(errors(text)).toEqual([expect.stringContaining("unknown field 'x'")]);
  });
});
