import { readFileSync } from 'node:fs';
import type { Plan } from '../workflow/plan.ts';

/** The file the CDK construct writes next to every bundled function: the plans compiled at synth time. */
export const BUNDLED_PLANS_FILE = 'plans.json';

/**
 * Reads the plans bundled next to the function's code (`new URL('./plans.json', import.meta.url)` from
 * the entry point). They were validated at synth time, so this only parses.
 */
export function readBundledPlans(file: URL): readonly Plan[] {
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!Array.isArray(parsed)) throw new Error(`${file.pathname} does not hold a list of plans`);
  return parsed as Plan[];
}

/**
 * The files the CDK construct bundles next to the worker for `isolation: thread` tasks: the handlers module
 * on its own, and the host script a worker thread runs (src/runtime/isolation/task-host.ts).
 */
export const ISOLATION_FILES = { handlers: 'weft-handlers.mjs', host: 'task-host.mjs' } as const;
