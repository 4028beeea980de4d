import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { UserInputError } from '../errors.ts';
import { childLinkProblems, childrenOf } from '../workflow/child-links.ts';
import { compileSource, type Diagnostic, loadPlan, WorkflowError } from '../workflow/index.ts';
import type { Plan } from '../workflow/plan.ts';
import { parseSource } from '../workflow/source.ts';
import { locateTasks } from './task-position.ts';

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
  const planFiles = outcomes.flatMap((outcome) => ('plan' in outcome ? [outcome] : []));
  assertChildLinks(planFiles);
  return planFiles;
}

/**
 * Reads a workflow file and the workflows it runs as children (`workflow:` tasks), found among the
 * workflow files of its folder by name, transitively: the file's plan first. A sibling with mistakes is
 * reported only if it is one of those children.
 *
 * @throws WorkflowError for the file's mistakes, a needed sibling's, or a child that is not there.
 * @example
 * const [loanBatch, kycCheck] = await readWorkflowSet('workflows/loan_batch.yaml');
 */
export async function readWorkflowSet(path: string): Promise<Plan[]> {
  const text = await readWorkflowText(path);
  const main: PlanFile = { file: path, plan: loadPlan(text, path), text };
  if (childrenOf(main.plan).length === 0) return [main.plan];
  const own = resolve(path);
  const siblings = (await listWorkflowFiles(dirname(path))).filter((file) => resolve(file) !== own);
  const outcomes = await compileWorkflowFiles(siblings);
  const named = new Map<string, WorkflowFileOutcome>();
  for (const outcome of outcomes) {
    const name = 'plan' in outcome ? outcome.plan.name : undefined;
    if (name !== undefined && name !== main.plan.name && !named.has(name)) named.set(name, outcome);
  }
  const set: PlanFile[] = [main];
  const broken: Diagnostic[] = [];
  const wanted = childrenOf(main.plan);
  const taken = new Set([main.plan.name]);
  while (wanted.length > 0) {
    const name = wanted.shift() as string;
    if (taken.has(name)) continue;
    taken.add(name);
    const outcome = named.get(name);
    if (outcome === undefined || !('plan' in outcome)) continue;
    set.push(outcome);
    wanted.push(...childrenOf(outcome.plan));
  }
  // a sibling that does not compile may be the missing child: its mistakes say more than "not found"
  const missing = childLinkProblems(set.map((planFile) => planFile.plan)).some(
    (problem) => problem.code === 'workflow.unknownChild',
  );
  if (missing) {
    for (const outcome of outcomes) if ('diagnostics' in outcome) broken.push(...outcome.diagnostics);
  }
  if (broken.length > 0) throw new WorkflowError(broken);
  assertChildLinks(set);
  return set.map((planFile) => planFile.plan);
}

/** Refuses a set whose `workflow:` tasks name a workflow not in it, or run their own workflow again. */
function assertChildLinks(planFiles: readonly PlanFile[]): void {
  const problems = childLinkProblems(planFiles.map((planFile) => planFile.plan));
  if (problems.length === 0) return;
  const diagnostics = problems.map((problem) => {
    const planFile = planFiles.find((candidate) => candidate.plan.name === problem.workflow) as PlanFile;
    const at = locateTasks(planFile)(problem.taskId, 'workflow');
    return { file: planFile.file, ...at, message: problem.message, code: problem.code };
  });
  throw new WorkflowError(diagnostics);
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
