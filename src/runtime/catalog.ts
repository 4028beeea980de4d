import type { Plan } from '../workflow/plan.ts';
import type { PlanCatalog } from './types.ts';

/** A catalog over a fixed list of plans (the ones compiled at synth time, or read from a folder locally). */
export function planCatalog(plans: readonly Plan[]): PlanCatalog {
  const byName = new Map(plans.map((plan) => [plan.name, plan]));
  return { byName: (name) => byName.get(name), list: () => plans };
}
