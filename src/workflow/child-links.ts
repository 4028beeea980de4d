/**
 * Child workflows across a set of plans (a deployment, a folder): every `workflow:` a task names must be
 * in the set, and no workflow may run itself, directly or through others (a run would never end).
 */
import type { Plan } from './plan.ts';
import { nearest } from './suggest.ts';

/** A task whose `workflow:` cannot be run with this set of plans. */
export interface ChildLinkProblem {
  readonly workflow: string;
  readonly taskId: string;
  readonly code: 'workflow.unknownChild' | 'workflow.childCycle';
  readonly message: string;
}

/**
 * The problems of every child link in `plans`, in plan then task order.
 *
 * @example
 * childLinkProblems([loanBatch]); // [{ taskId: 'kyc', code: 'workflow.unknownChild', ... }] without kyc_check
 */
export function childLinkProblems(plans: readonly Plan[]): ChildLinkProblem[] {
  const byName = new Map(plans.map((plan) => [plan.name, plan]));
  const problems: ChildLinkProblem[] = [];
  for (const plan of plans) {
    for (const task of Object.values(plan.tasks)) {
      const child = task.child?.workflow;
      if (child === undefined) continue;
      const site = { workflow: plan.name, taskId: task.id };
      if (!byName.has(child)) {
        const guess = nearest(child, byName.keys());
        const known = [...byName.keys()].join(', ');
        problems.push({
          ...site,
          code: 'workflow.unknownChild',
          message:
            `task '${task.id}' runs workflow '${child}', which is not among the workflows here (${known})` +
            (guess === undefined ? `; add a file declaring 'name: ${child}'` : `; did you mean '${guess}'?`),
        });
        continue;
      }
      const loop = pathBack(byName, child, plan.name);
      if (loop !== undefined) {
        problems.push({
          ...site,
          code: 'workflow.childCycle',
          message:
            `task '${task.id}' runs workflow '${child}', which runs this one again (${[plan.name, ...loop].join(' -> ')}); ` +
            'a workflow may not run itself, directly or through others',
        });
      }
    }
  }
  return problems;
}

/** The workflows from `from` back to `target` along child links (`from` first), if there is such a path. */
function pathBack(byName: ReadonlyMap<string, Plan>, from: string, target: string): string[] | undefined {
  const seen = new Set<string>();
  const walk = (name: string): string[] | undefined => {
    if (name === target) return [name];
    if (seen.has(name)) return undefined;
    seen.add(name);
    for (const child of childrenOf(byName.get(name))) {
      const rest = walk(child);
      if (rest) return [name, ...rest];
    }
    return undefined;
  };
  return walk(from);
}

/** The workflows a plan's tasks run as children, each once, in task order. */
export function childrenOf(plan: Plan | undefined): string[] {
  if (!plan) return [];
  const names = Object.values(plan.tasks).flatMap((task) => (task.child ? [task.child.workflow] : []));
  return [...new Set(names)];
}
