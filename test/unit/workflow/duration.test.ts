import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../../src/workflow/duration.ts';

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['1s', 1000],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    ['1m30s', 90_000],
    ['1h30m', 5_400_000],
    ['1d2h3m4s5ms', 93_784_005],
    ['0s', 0],
  ])('reads %s as %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['soon', '', '5', '1.5s', '30s1m', '1s1s', '1 s', '-1s', '1S', 's', '1w'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it('writes the shortest form and round-trips', () => {
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(250)).toBe('250ms');
    expect(formatDuration(0)).toBe('0s');
    for (const ms of [1, 999, 1000, 61_001, 93_784_005]) expect(parseDuration(formatDuration(ms))).toBe(ms);
  });
});
