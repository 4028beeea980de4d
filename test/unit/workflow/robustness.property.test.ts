import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileSource } from '../../../src/workflow/index.ts';
import { LOAN_APPROVAL } from './helpers.ts';

/** Whatever the text, the compiler answers with a plan or diagnostics inside the text: never a throw. */
function expectAnswer(text: string, file: string): void {
  const result = compileSource(text, file);
  if (result.ok) return;
  const lines = text.split('\n');
  expect(result.diagnostics.length).toBeGreaterThan(0);
  for (const diagnostic of result.diagnostics) {
    expect(diagnostic.line).toBeGreaterThanOrEqual(1);
    expect(diagnostic.line).toBeLessThanOrEqual(lines.length);
    expect(diagnostic.col).toBeGreaterThanOrEqual(1);
    expect(diagnostic.col).toBeLessThanOrEqual((lines[diagnostic.line - 1]?.length ?? 0) + 1);
    expect(diagnostic.message.length).toBeGreaterThan(0);
  }
}

const KEYS = [
  'id',
  'deps',
  'dep',
  'handler',
  'lambda',
  'retry_policy',
  'timeout',
  'heartbeat',
  'compensation',
];
const value = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom('1s', '250ms', 'soon', 'a', 'b', 'c', 'rate(5 minutes)', '$.detail'),
  fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 4 }),
);
const task = fc.dictionary(fc.constantFrom(...KEYS), value, { maxKeys: 5 });
const workflow = fc.record(
  {
    name: fc.oneof(fc.constant('w'), fc.jsonValue({ maxDepth: 1 })),
    tasks: fc.oneof(fc.array(task, { maxLength: 6 }), fc.jsonValue({ maxDepth: 2 })),
    on: fc.jsonValue({ maxDepth: 3 }),
    schedule: fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 2 })),
  },
  { requiredKeys: ['tasks'] },
);

describe('the compiler on arbitrary input', () => {
  it('answers any JSON document, pretty or not', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.record({ workflow })), fc.boolean(), (document, pretty) => {
        expectAnswer(JSON.stringify(document, null, pretty ? 2 : undefined) ?? 'null', 'fuzz.json');
      }),
      { numRuns: 300 },
    );
  });

  it('answers the same documents written as YAML', () => {
    fc.assert(
      fc.property(fc.record({ workflow }), (document) => {
        expectAnswer(JSON.stringify(document, null, 2), 'fuzz.yaml');
      }),
      { numRuns: 200 },
    );
  });

  it('answers any edit of a valid file', () => {
    const edit = fc.record({
      at: fc.nat({ max: LOAN_APPROVAL.length }),
      cut: fc.nat({ max: 8 }),
      insert: fc.string({ maxLength: 4 }),
    });
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 3 }), fc.boolean(), (edits, json) => {
        let text = json
          ? JSON.stringify(
              { workflow: { name: 'w', tasks: [{ id: 'a' }, { id: 'b', deps: ['a'] }] } },
              null,
              2,
            )
          : LOAN_APPROVAL;
        for (const { at, cut, insert } of edits) text = text.slice(0, at) + insert + text.slice(at + cut);
        expectAnswer(text, json ? 'edited.json' : 'edited.yaml');
      }),
      { numRuns: 500 },
    );
  });
});
