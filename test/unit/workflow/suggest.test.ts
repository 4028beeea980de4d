import { describe, expect, it } from 'vitest';
import { editDistance, nearest } from '../../../src/workflow/suggest.ts';

describe('suggestions', () => {
  it('measures edit distance', () => {
    expect(editDistance('dep', 'deps')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('suggests the nearest candidate within a third of the length', () => {
    expect(nearest('dep', ['id', 'deps', 'handler'])).toBe('deps');
    expect(nearest('transfrm', ['ingest', 'transform', 'publish'])).toBe('transform');
    expect(nearest('Timeout', ['timeout', 'heartbeat'])).toBe('timeout');
  });

  it('suggests nothing when no candidate is close', () => {
    expect(nearest('zzz', ['deps', 'handler'])).toBeUndefined();
    expect(nearest('deps', ['deps'])).toBeUndefined();
  });
});
