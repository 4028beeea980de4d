import { WeftError } from '../errors.ts';
import type { Plan } from '../workflow/plan.ts';
import type { RuntimeDeps } from './deps.ts';

/**
 * The plan a run is pinned to: from the cache, the current catalog when the version matches, or the
 * table (an older version stored at submit). Versions are content hashes, so a cached plan never changes.
 */
export async function planFor(deps: RuntimeDeps, workflow: string, version: string): Promise<Plan> {
  const key = `${workflow}@${version}`;
  const cached = deps.planCache.get(key);
  if (cached) return cached;
  const current = deps.plans.byName(workflow);
  const plan = current?.version === version ? current : await deps.store.loadPlan(workflow, version);
  if (!plan) {
    throw new WeftError('plan.missing', `plan ${workflow} version ${version} is neither deployed nor stored`);
  }
  deps.planCache.set(key, plan);
  return plan;
}

const saved = new WeakMap<RuntimeDeps, Set<string>>();

/** Stores the plan version a new run pins, once per process and version. */
export async function savePlanOnce(deps: RuntimeDeps, plan: Plan): Promise<void> {
  const key = `${plan.name}@${plan.version}`;
  let done = saved.get(deps);
  if (!done) {
    done = new Set();
    saved.set(deps, done);
  }
  if (done.has(key)) return;
  await deps.store.savePlan(plan);
  done.add(key);
  deps.planCache.set(key, plan);
}
