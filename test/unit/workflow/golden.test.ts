import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileSource, formatDiagnostic } from '../../../src/workflow/index.ts';

/**
 * Golden tests of the messages users read: each file in golden/ is compiled and its output compared with
 * the `.expected` file beside it. `UPDATE_GOLDEN=1 npx vitest run test/unit/workflow/golden.test.ts`
 * rewrites the expected files; review the diff before committing.
 */
const dir = join(import.meta.dirname, 'golden');
const cases = readdirSync(dir).filter((name) => /\.(ya?ml|json)$/.test(name));

function render(name: string): string {
  const result = compileSource(readFileSync(join(dir, name), 'utf8'), name);
  if (result.ok) return `ok: ${result.plan.order.join(', ')}\n`;
  return result.diagnostics.map((d) => `${formatDiagnostic(d)}\n`).join('');
}

describe('golden messages', () => {
  it('has cases', () => {
    expect(cases.length).toBeGreaterThan(5);
  });

  it.each(cases)('%s', (name) => {
    const expectedFile = join(dir, `${name}.expected`);
    const actual = render(name);
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(expectedFile, actual);
    expect(actual).toBe(readFileSync(expectedFile, 'utf8'));
  });
});
