import { describe, expect, it } from 'vitest';
import { errors } from './helpers.ts';

describe('.json definitions', () => {
  it('report positions for schema and graph mistakes', () => {
    const text = `{
  "workflow": {
    "name": "w",
    "tasks": [
      { "id": "a", "deps": ["b"] },
      { "id": "c", "dep": [] }
    ]
  }
}`;
    expect(errors(text, 'w.json')).toEqual([
      "w.json:5:29: task 'a' depends on unknown task 'b'",
      "w.json:6:20: unknown field 'dep' in task 'c'; did you mean 'deps'?",
    ]);
  });

  it('report JSON syntax errors with a position', () => {
    expect(errors('{\n  "workflow": {,\n}', 'w.json')).toEqual([
      expect.stringMatching(/^w\.json:2:\d+: JSON syntax error: /),
    ]);
  });
});
