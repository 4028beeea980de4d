/**
 * The engine benchmark's workflows: the request's `loan_approval` example, a 200-wide fan-in
 * (root -> 200 -> join) and a 100-deep chain, each with no-op handlers.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readPlanFile } from '../src/files/workflows.ts';
import type { HandlerRegistry } from '../src/runtime/index.ts';
import { loadPlan } from '../src/workflow/index.ts';
import type { Plan } from '../src/workflow/plan.ts';

const pad = (n: number) => String(n).padStart(3, '0');

/** root -> `width` parallel tasks -> join. */
export function fanInPlan(width: number): Plan {
  const lines = [`workflow:`, `  name: fan_in_${width}`, `  tasks:`, `    - id: root`];
  const middle = Array.from({ length: width }, (_, i) => `t${pad(i + 1)}`);
  for (const id of middle) lines.push(`    - id: ${id}`, `      deps: [root]`);
  lines.push(`    - id: join`, `      deps: [${middle.join(', ')}]`);
  return loadPlan(`${lines.join('\n')}\n`, `fan_in_${width}.yaml`);
}

/** c001 -> c002 -> ... -> c<depth>. */
export function chainPlan(depth: number): Plan {
  const lines = [`workflow:`, `  name: chain_${depth}`, `  tasks:`];
  for (let i = 1; i <= depth; i += 1) {
    lines.push(`    - id: c${pad(i)}`);
    if (i > 1) lines.push(`      deps: [c${pad(i - 1)}]`);
  }
  return loadPlan(`${lines.join('\n')}\n`, `chain_${depth}.yaml`);
}

/** The request's example input for `loan_approval` (the no-op handlers ignore it). */
export const LOAN_INPUT = {
  applicant: {
    id: 'A-1001',
    name: 'Ada Lovelace',
    country: 'GB',
    annual_income: 86000,
    requested_amount: 25000,
  },
};

/** The request's example workflow, as `npm start` runs it. */
export function loanApprovalPlan(): Promise<Plan> {
  return readPlanFile(LOAN_APPROVAL_FILE);
}

const LOAN_APPROVAL_FILE = join(import.meta.dirname, '..', 'examples', 'loan_approval', 'workflow.yaml');

/** loan_approval as written, and the same tasks with `mode: sync` (the accepting process runs them). */
export async function loanApprovalPlans(): Promise<{ readonly async: Plan; readonly sync: Plan }> {
  const text = await readFile(LOAN_APPROVAL_FILE, 'utf8');
  const sync = text.replace(/^ {2}name: loan_approval$/m, '  name: loan_approval\n  mode: sync');
  if (sync === text)
    throw new Error(`${LOAN_APPROVAL_FILE}: no 'name: loan_approval' line to add 'mode: sync' after`);
  return { async: loadPlan(text, LOAN_APPROVAL_FILE), sync: loadPlan(sync, LOAN_APPROVAL_FILE) };
}

/** A handler returning null for every task handler and compensation of `plans`. */
export function noopHandlers(plans: readonly Plan[]): HandlerRegistry {
  const names = new Set<string>();
  for (const plan of plans) {
    for (const task of Object.values(plan.tasks)) {
      names.add(task.handler);
      if (task.compensation !== undefined) names.add(task.compensation.handler);
    }
  }
  return Object.fromEntries([...names].map((name) => [name, () => null]));
}

/** Directed edges of a plan (a task's deps, summed). */
export function edgeCount(plan: Plan): number {
  return Object.values(plan.tasks).reduce((sum, task) => sum + task.deps.length, 0);
}
