import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileSource, formatDiagnostic, renderMermaid } from '../../../src/workflow/index.ts';

/** docs/workflow-language.md's examples must stay true: each is compiled here. */
const doc = readFileSync(join(import.meta.dirname, '../../../docs/workflow-language.md'), 'utf8');
const blocks = [...doc.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((match) => ({
  lang: match[1] ?? '',
  body: match[2] ?? '',
}));
const examples = blocks.filter((block) => block.lang === 'yaml' || block.lang === 'json');

describe('docs/workflow-language.md', () => {
  it.each(examples.map((block, index) => [index, block] as const))('example %i compiles', (_, block) => {
    const result = compileSource(block.body, `example.${block.lang}`);
    expect(result.ok ? 'ok' : result.diagnostics.map(formatDiagnostic).join('\n')).toBe('ok');
  });

  it('shows the messages weft prints for the broken example', () => {
    const index = blocks.findIndex((block) => block.lang === 'text' && block.body.startsWith('workflow:'));
    const result = compileSource(blocks[index]?.body ?? '', 'broken.yaml');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.diagnostics.map((d) => `${formatDiagnostic(d)}\n`).join('')).toBe(blocks[index + 1]?.body);
  });

  it('shows the Mermaid weft prints for the first example', () => {
    const result = compileSource(examples[0]?.body ?? '', 'example.yaml');
    if (!result.ok) expect.fail('the first example is invalid');
    expect(blocks.find((block) => block.lang === 'mermaid')?.body).toBe(renderMermaid(result.plan));
  });
});
