import { type Command, Option } from 'commander';
import { readPlanFile } from '../../files/workflows.ts';
import { renderDot, renderMermaid } from '../../workflow/index.ts';
import type { CliIo } from '../io.ts';

/** `weft graph <file> [--format mermaid|dot]`: prints the dependency graph, Mermaid by default. */
export function registerGraph(program: Command, io: CliIo): void {
  program
    .command('graph')
    .description('print the workflow as a Mermaid flowchart or a Graphviz DOT graph')
    .argument('<file>', 'workflow file (.yaml, .yml or .json)')
    .addOption(
      new Option('-f, --format <format>', 'output format').choices(['mermaid', 'dot']).default('mermaid'),
    )
    .action(async (file: string, options: { format: 'mermaid' | 'dot' }) => {
      const plan = await readPlanFile(file);
      io.out(options.format === 'dot' ? renderDot(plan) : renderMermaid(plan));
    });
}
