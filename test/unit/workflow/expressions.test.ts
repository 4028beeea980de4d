import { describe, expect, it } from 'vitest';
import {
  ExpressionError,
  evaluateCondition,
  evaluateExpression,
  renderTemplate,
} from '../../../src/workflow/expression.ts';
import { compiled, errors } from './helpers.ts';

const flow = (...tasks: string[]) =>
  ['workflow:', '  name: w', '  tasks:', '    - id: score', ...tasks].join('\n');

describe('expressions in a workflow file', () => {
  it('keeps a valid when: in the plan', () => {
    const plan = compiled(
      flow('    - id: approve', '      deps: [score]', '      when: deps.score.value >= 600'),
    );
    expect(plan.tasks.approve?.when).toBe('deps.score.value >= 600');
  });

  it('reports a syntax error at its character, plain or quoted', () => {
    expect(errors(flow('    - id: approve', '      deps: [score]', '      when: $count(deps.score'))).toEqual(
      [
        'flow.yaml:7:29: task \'approve\': when is not a valid JSONata expression: Expected ")" before end of expression',
      ],
    );
    expect(
      errors(flow('    - id: approve', '      deps: [score]', '      when: "deps.score.value >= ]"')),
    ).toEqual([
      'flow.yaml:7:34: task \'approve\': when is not a valid JSONata expression: The symbol "]" cannot be used as a unary operator',
    ]);
  });

  it('names a dependency the expression reads but the task does not depend on, with the fix', () => {
    expect(
      errors(flow('    - id: approve', '      deps: [score]', '      when: deps.scores.value > 1')),
    ).toEqual([
      "flow.yaml:7:18: task 'approve': when reads deps.scores, which is not one of its dependencies (its deps: score); did you mean 'score'?",
    ]);
    expect(errors(flow('    - id: approve', '      when: deps.other = 1'))).toEqual([
      "flow.yaml:6:18: task 'approve': when reads deps.other, which is not one of its dependencies (it has no deps); add 'other' to its deps",
    ]);
  });

  it('does not take a path inside a filter for a dependency', () => {
    const plan = compiled(
      flow('    - id: approve', '      deps: [score]', '      when: $count(deps.score.items[deps > 1]) > 0'),
    );
    expect(plan.tasks.approve?.when).toContain('$count');
  });

  it('rejects a when that is not text', () => {
    expect(errors(flow('    - id: approve', '      when: true'))).toEqual([
      "flow.yaml:6:13: task 'approve' when must be a JSONata expression such as 'deps.score.value > 600', got true",
    ]);
  });
});

describe('evaluation', () => {
  const scope = { input: { sender: 'a1', n: 2 }, deps: { score: { value: 700, items: [1, 5, 9] } } };

  it('evaluates over input and deps', async () => {
    expect(await evaluateExpression('deps.score.items[$ > 2]', scope)).toEqual([5, 9]);
    expect(await evaluateCondition('deps.score.value >= 600 and input.n = 2', scope)).toBe(true);
  });

  it('requires a condition to be true or false', async () => {
    await expect(evaluateCondition('deps.missing.flag', scope)).rejects.toThrow(
      "'deps.missing.flag' must evaluate to true or false, got nothing (a path that matched no value)",
    );
    await expect(evaluateCondition('input.n', scope)).rejects.toBeInstanceOf(ExpressionError);
  });

  it('reports a runtime error as an ExpressionError naming the expression', async () => {
    await expect(evaluateExpression('input.sender + 1', scope)).rejects.toThrow(
      /^'input.sender \+ 1' failed: The left side of the "\+" operator must evaluate to a number/,
    );
  });

  it('stops a runaway expression', async () => {
    await expect(
      evaluateExpression('($f := function($n) { $f($n + 1) }; $f(0))', scope),
    ).rejects.toBeInstanceOf(ExpressionError);
  });

  it('interpolates templates, refusing a value that is not there', async () => {
    expect(await renderTemplate('account:${input.sender}:${input.n}', scope)).toBe('account:a1:2');
    expect(await renderTemplate("${ {'a': input.n} }", scope)).toBe('{"a":2}');
    await expect(renderTemplate('account:${input.receiver}', scope)).rejects.toThrow(/evaluated to nothing/);
  });
});

describe('graph', () => {
  it('draws the edges into a conditional task dotted, with the condition, and notes sleeps', async () => {
    const { renderDot, renderMermaid } = await import('../../../src/workflow/index.ts');
    const plan = compiled(
      flow(
        '    - id: approve',
        '      deps: [score]',
        '      when: deps.score.value >= 600',
        '    - id: cool_off',
        '      deps: [approve]',
        '      sleep: 2m',
      ),
    );
    const mermaid = renderMermaid(plan);
    expect(mermaid).toContain('t0 -.->|"when: deps.score.value &#62;= 600"| t1'.replace('&#62;', '#62;'));
    expect(mermaid).toContain('t2["cool_off<br/>sleep: 2m"]');
    expect(renderDot(plan)).toContain(
      '"score" -> "approve" [style=dashed, label="when: deps.score.value >= 600"];',
    );
  });
});

describe('templates in a workflow file', () => {
  it('checks the deps read inside a ${ } that builds an object, braces and all', () => {
    const text = flow(
      '    - id: remind',
      '      deps: [score]',
      '      sleep_until: "${ {\'at\': deps.scor.at}.at }"',
    );
    expect(errors(text)).toEqual([
      "flow.yaml:7:36: task 'remind': sleep_until reads deps.scor, which is not one of its dependencies (its deps: score); did you mean 'score'?",
    ]);
  });
});
