import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserInputError } from '../errors.ts';
import { compileSource, type Diagnostic, loadPlan, WorkflowError } from '../workflow/index.ts';
import type { Plan } from '../workflow/plan.ts';
import { parseSource } from '../workflow/source.ts';

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

/** A compiled workflow file: its plan and the text it was compiled from (to point back into it). */
export interface PlanFile {
  readonly file: string;
  readonly plan: Plan;
  readonly text: string;
}

/** What became of one workflow file: its plan, its mistakes, or why it could not be read. */
export type WorkflowFileOutcome =
  | PlanFile
  | { readonly file: string; readonly diagnostics: readonly Diagnostic[] }
  | { readonly file: string; readonly unreadable: UserInputError };

/**
 * The `*.yaml`, `*.yml` and `*.json` files of a folder (not recursive), in name order.
 *
 * @throws UserInputError when the folder cannot be read.
 */
export async function listWorkflowFiles(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true }))
      .filter((entry) => entry.isFile() && WORKFLOW_FILE.test(entry.name))
      .map((entry) => join(dir, entry.name))
      .sort();
  } catch (error) {
    throw new UserInputError(
      'workflow.unreadable',
      `cannot read the workflows folder '${dir}': ${reason(error)}`,
      { cause: error },
    );
  }
}

/**
 * Reads and compiles workflow files, one outcome per file in the given order. A file whose workflow
 * name an earlier file already uses gets a diagnostic: a deployment's names must be unique.
 *
 * @example
 * for (const outcome of await compileWorkflowFiles(['a.yaml', 'b.yaml'])) if ('plan' in outcome) ...
 */
export async function compileWorkflowFiles(files: readonly string[]): Promise<WorkflowFileOutcome[]> {
  const outcomes: WorkflowFileOutcome[] = [];
  const fileByName = new Map<string, string>();
  for (const file of files) {
    let text: string;
    try {
      text = await readWorkflowText(file);
    } catch (error) {
      if (!(error instanceof UserInputError)) throw error;
      outcomes.push({ file, unreadable: error });
      continue;
    }
    const result = compileSource(text, file);
    if (!result.ok) {
      outcomes.push({ file, diagnostics: result.diagnostics });
      continue;
    }
    const first = fileByName.get(result.plan.name);
    if (first !== undefined) {
      const message = `workflow name '${result.plan.name}' is already used by ${first}; names must be unique`;
      const at = positionOfName(text, file);
      outcomes.push({ file, diagnostics: [{ file, ...at, message, code: 'workflow.duplicateName' }] });
      continue;
    }
    fileByName.set(result.plan.name, file);
    outcomes.push({ file, plan: result.plan, text });
  }
  return outcomes;
}

/**
 * Reads and compiles every `*.yaml`, `*.yml` and `*.json` file of a folder (not recursive), in name
 * order. Every file's mistakes are reported at once; two files declaring the same workflow name are an
 * error too.
 *
 * @throws WorkflowError listing every diagnostic; UserInputError when the folder or a file cannot be read.
 * @example
 * const plans = await readPlanDir('workflows');
 */
export async function readPlanDir(dir: string): Promise<Plan[]> {
  return (await readPlanFiles(dir)).map((planFile) => planFile.plan);
}

/**
 * Like `readPlanDir`, but keeps each plan's file and text, for checks that point back into the files.
 *
 * @throws WorkflowError listing every diagnostic; UserInputError when the folder or a file cannot be read.
 * @example
 * for (const { file, plan } of await readPlanFiles('workflows')) console.log(file, plan.name);
 */
export async function readPlanFiles(dir: string): Promise<PlanFile[]> {
  const outcomes = await compileWorkflowFiles(await listWorkflowFiles(dir));
  for (const outcome of outcomes) if ('unreadable' in outcome) throw outcome.unreadable;
  const diagnostics = outcomes.flatMap((outcome) => ('diagnostics' in outcome ? outcome.diagnostics : []));
  if (diagnostics.length > 0) throw new WorkflowError(diagnostics);
  return outcomes.flatMap((outcome) => ('plan' in outcome ? [outcome] : []));
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

/** Where the file declares its workflow's name (the file has compiled, so it parses). */
function positionOfName(text: string, file: string): { line: number; col: number } {
  const parsed = parseSource(text, file);
  return parsed.ok ? parsed.source.locate(['workflow', 'name'], 'key') : { line: 1, col: 1 };
}
