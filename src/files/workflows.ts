import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserInputError } from '../errors.ts';
import { compileSource, type Diagnostic, loadPlan, WorkflowError } from '../workflow/index.ts';
import type { Plan } from '../workflow/plan.ts';

const WORKFLOW_FILE = /\.(ya?ml|json)$/i;

/**
 * Reads and compiles one workflow file.
 *
 * @throws WorkflowError when the file is invalid; UserInputError when it cannot be read.
 * @example
 * const plan = await readPlanFile('workflows/loan_approval.yaml');
 */
export async function readPlanFile(path: string): Promise<Plan> {
  return loadPlan(await readWorkflowText(path), path);
}

/**
 * Reads and compiles every `*.yaml`, `*.yml` and `*.json` file of a folder (not recursive), in name
 * order. Every file's mistakes are reported at once; two files declaring the same workflow name are an
 * error too.
 *
 * @throws WorkflowError listing every diagnostic; UserInputError when the folder cannot be read.
 * @example
 * const plans = await readPlanDir('workflows');
 */
export async function readPlanDir(dir: string): Promise<Plan[]> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true }))
      .filter((entry) => entry.isFile() && WORKFLOW_FILE.test(entry.name))
      .map((entry) => entry.name)
      .sort();
  } catch (error) {
    throw new UserInputError(
      'workflow.unreadable',
      `cannot read the workflows folder '${dir}': ${reason(error)}`,
      { cause: error },
    );
  }
  const plans: Plan[] = [];
  const diagnostics: Diagnostic[] = [];
  const fileByName = new Map<string, string>();
  for (const name of names) {
    const path = join(dir, name);
    const text = await readWorkflowText(path);
    const result = compileSource(text, path);
    if (!result.ok) {
      diagnostics.push(...result.diagnostics);
      continue;
    }
    const first = fileByName.get(result.plan.name);
    if (first !== undefined) {
      diagnostics.push({
        file: path,
        ...positionOfName(text, result.plan.name),
        message: `workflow name '${result.plan.name}' is already used by ${first}; names must be unique`,
        code: 'workflow.duplicateName',
      });
      continue;
    }
    fileByName.set(result.plan.name, path);
    plans.push(result.plan);
  }
  if (diagnostics.length > 0) throw new WorkflowError(diagnostics);
  return plans;
}

/**
 * Reads a workflow file's text.
 *
 * @throws UserInputError naming the file and the reason (no such file, a directory, ...).
 */
export async function readWorkflowText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new UserInputError('workflow.unreadable', `cannot read workflow file '${path}': ${reason(error)}`, {
      cause: error,
    });
  }
}

function reason(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  if (code === 'ENOTDIR') return 'not a directory';
  return error instanceof Error ? error.message : String(error);
}

/** Best effort: the first `name:` key whose value is the workflow's name. */
function positionOfName(text: string, name: string): { line: number; col: number } {
  const lines = text.split('\n');
  for (const [index, line] of lines.entries()) {
    const col = line.search(/"?name"?\s*:/);
    if (col !== -1 && line.includes(name, col)) return { line: index + 1, col: col + 1 };
  }
  return { line: 1, col: 1 };
}
