import { describe, expect, it } from 'vitest';
import type { PlanFile } from '../../../src/files/workflows.ts';
import { missingHandlerDiagnostics } from '../../../src/local/handler-diagnostics.ts';
import { loadPlan } from '../../../src/workflow/index.ts';

function planFile(file: string, text: string): PlanFile {
  return { file, plan: loadPlan(text, file), text };
}

const noop = (): null => null;

describe('missingHandlerDiagnostics', () => {
  const yaml = planFile(
    'flow.yaml',
    [
      'workflow:',
      '  name: flow',
      '  tasks:',
      '    - id: a',
      '    - id: b',
      '      handler: run_b',
      '      compensation: undo_b',
      '    - id: c',
      '      lambda: payments',
      '    - id: d',
      '      sleep: 1m',
      '',
    ].join('\n'),
  );

  it('points at the handler, the defaulted id and the compensation of each missing export', () => {
    expect(missingHandlerDiagnostics([yaml], {}, 'h.ts')).toEqual([
      {
        file: 'flow.yaml',
        line: 4,
        col: 11,
        message: "missing handler 'a': export it from 'h.ts'",
        code: 'handlers.missing',
      },
      {
        file: 'flow.yaml',
        line: 6,
        col: 16,
        message: "missing handler 'run_b': export it from 'h.ts'",
        code: 'handlers.missing',
      },
      {
        file: 'flow.yaml',
        line: 7,
        col: 21,
        message: "missing handler 'undo_b': export it from 'h.ts'",
        code: 'handlers.missing',
      },
    ]);
  });

  it('asks nothing of lambda: tasks, sleeps and exported handlers', () => {
    expect(missingHandlerDiagnostics([yaml], { a: noop, run_b: noop, undo_b: noop }, 'h.ts')).toEqual([]);
  });

  it('points into a JSON workflow too', () => {
    const json = planFile(
      'flow.json',
      '{\n  "workflow": {\n    "name": "j",\n    "tasks": [\n      { "id": "x", "compensation": "undo_x" }\n    ]\n  }\n}\n',
    );
    const lines = missingHandlerDiagnostics([json], { x: noop }, 'h.ts').map((d) => `${d.line}:${d.col}`);
    expect(lines).toEqual(['5:36']);
  });
});
