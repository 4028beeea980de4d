import { describe, expect, it } from 'vitest';
import { formatBytes, leaseMs, outputLimitBytes } from '../../../src/engine/limits.ts';
import { loadPlan } from '../../../src/workflow/index.ts';

describe('outputLimitBytes', () => {
  it('gives a task a share of its own item and of each dependent item, at most 300 KB', () => {
    const plan = loadPlan(
      'workflow:\n  name: w\n  tasks:\n    - id: a\n    - id: b\n      deps: [a]\n',
      'w.yaml',
    );
    expect(outputLimitBytes(plan, 'b')).toBe(175 * 1024);
    expect(outputLimitBytes(plan, 'a')).toBe(175 * 1024);
    const single = loadPlan('workflow:\n  name: s\n  tasks:\n    - id: a\n', 's.yaml');
    expect(outputLimitBytes(single, 'a')).toBe(300 * 1024);
  });

  it('shares a join item among all the outputs copied onto it', () => {
    const branches = Array.from({ length: 199 }, (_, i) => `b${i}`);
    const plan = loadPlan(
      `workflow:\n  name: w\n  tasks:\n${branches.map((b) => `    - id: ${b}\n`).join('')}    - id: join\n      deps: [${branches.join(', ')}]\n`,
      'w.yaml',
    );
    expect(outputLimitBytes(plan, 'b7')).toBe(Math.floor((350 * 1024) / 200));
  });
});

describe('leaseMs', () => {
  it('is the heartbeat, else the timeout plus grace, else five minutes', () => {
    expect(leaseMs({ heartbeatMs: 1000, timeoutMs: 5000 })).toBe(1000);
    expect(leaseMs({ timeoutMs: 5000 })).toBe(10_000);
    expect(leaseMs({})).toBe(300_000);
  });
});

describe('formatBytes', () => {
  it('formats bytes for messages', () => {
    expect([512, 2048, 3 * 1024 * 1024].map(formatBytes)).toEqual(['512 B', '2.0 KB', '3.0 MB']);
  });
});
