import { describe, expect, it } from 'vitest';
import { jsonTooDeep, valueTooDeep } from '../../../src/workflow/json-depth.ts';

describe('jsonTooDeep', () => {
  it('finds the bracket that opens one level too many', () => {
    expect(jsonTooDeep('{"a":[{"b":1}]}', 2)).toEqual({ offset: 6, limit: 2 });
    expect(jsonTooDeep('{"a":[{"b":1}]}', 3)).toBeUndefined();
  });

  it('counts depth, not brackets: siblings do not add up', () => {
    expect(jsonTooDeep('[[1],[2],[3],{"a":{}}]', 3)).toBeUndefined();
    expect(jsonTooDeep('[[1],[2],[3],{"a":{}}]', 2)).toEqual({ offset: 18, limit: 2 });
  });

  it('skips brackets inside strings, escaped quotes included', () => {
    expect(jsonTooDeep('["[[[", "\\"[[[", "\\\\"]', 1)).toBeUndefined();
  });

  it('scans a text far too deep for any recursive parser, without recursing', () => {
    const text = '['.repeat(1_000_000) + ']'.repeat(1_000_000);
    expect(jsonTooDeep(text, 64)).toEqual({ offset: 64, limit: 64 });
    expect(jsonTooDeep(text, 1_000_000)).toBeUndefined();
  });

  it('runs on text that is not JSON', () => {
    expect(jsonTooDeep(']]]}}[[', 1)).toEqual({ offset: 6, limit: 1 });
    expect(jsonTooDeep('"unterminated [[[', 1)).toBeUndefined();
  });
});

describe('valueTooDeep', () => {
  it('counts arrays and objects, not scalars', () => {
    expect(valueTooDeep('text', 0)).toBe(false);
    expect(valueTooDeep({ a: [1, { b: 2 }] }, 2)).toBe(true);
    expect(valueTooDeep({ a: [1, { b: 2 }] }, 3)).toBe(false);
  });

  it('walks a value far too deep for a recursive walk', () => {
    let value: unknown = 0;
    for (let level = 0; level < 200_000; level++) value = { next: value };
    expect(valueTooDeep(value, 64)).toBe(true);
  });

  it('treats a cycle as too deep instead of looping', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(valueTooDeep(cycle, 64)).toBe(true);
  });
});
