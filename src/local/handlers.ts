import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UserInputError } from '../errors.ts';
import { modulePathOf, withModulePath } from '../runtime/isolation/handlers-module.ts';
import type { HandlerRegistry, TaskHandler } from '../runtime/types.ts';
import { type Plan, type PlannedTask, runsHandlerLocally, runsModuleHandler } from '../workflow/plan.ts';

/** How long a handlers module may take to load: `WEFT_HANDLERS_LOAD_TIMEOUT_MS`, default 30 s. */
function loadTimeoutMs(): number {
  const configured = Number(process.env.WEFT_HANDLERS_LOAD_TIMEOUT_MS);
  return Number.isFinite(configured) && configured > 0 ? configured : 30_000;
}

/**
 * Imports a handlers module and returns its function exports by name. The path is resolved against the
 * current directory; `.ts` modules load without a build step because `bin/weft.js` registers tsx.
 *
 * @example
 * const handlers = await loadHandlers('examples/loan_approval/handlers.ts');
 * // { credit_check: [Function], fraud_detection: [Function], ... }
 * @throws UserInputError when the file is missing or fails to load (its message says why).
 */
export async function loadHandlers(modulePath: string): Promise<HandlerRegistry> {
  const absolute = resolve(modulePath);
  try {
    await access(absolute);
  } catch {
    throw new UserInputError(
      'handlers.notFound',
      `handlers module '${modulePath}' not found (looked for ${absolute})`,
    );
  }
  let exports: Record<string, unknown>;
  let timer: NodeJS.Timeout | undefined;
  const limitMs = loadTimeoutMs();
  // a top-level await that never settles would let Node exit (status 13) without a word
  const stuck = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new UserInputError(
            'handlers.loadTimeout',
            `handlers module '${modulePath}' did not finish loading within ${limitMs / 1000} s ` +
              '(a top-level await that never settles?); WEFT_HANDLERS_LOAD_TIMEOUT_MS sets the limit',
          ),
        ),
      limitMs,
    );
  });
  try {
    exports = (await Promise.race([import(pathToFileURL(absolute).href), stuck])) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof UserInputError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new UserInputError(
      'handlers.loadFailed',
      `handlers module '${modulePath}' failed to load: ${reason}${commonJsHint(error)}`,
      { cause: error },
    );
  } finally {
    clearTimeout(timer);
  }
  const registry: Record<string, TaskHandler> = {};
  for (const [name, value] of Object.entries(exports)) {
    if (typeof value === 'function') registry[name] = value as TaskHandler;
  }
  return withModulePath(registry, absolute);
}

/** How Node fails a CommonJS module (one whose package.json is not `"type": "module"`) importing ESM. */
const REQUIRED_ESM = new Set([
  'ERR_VM_MODULE_LINK_FAILURE',
  'ERR_REQUIRE_ESM',
  'ERR_REQUIRE_CYCLE_MODULE',
  'ERR_REQUIRE_ASYNC_MODULE',
]);

function commonJsHint(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !REQUIRED_ESM.has(code)) return '';
  return (
    '; the module loads as CommonJS and imports ES modules (weft-run is one): add "type": "module" to ' +
    'your package.json (npm pkg set type=module), or name the module .mts'
  );
}

/** A handler a plan needs: the task that names it, and whether as the task's handler or its compensation. */
export interface NeededHandler {
  readonly task: PlannedTask;
  readonly name: string;
  /** `standIn`: what a `lambda:` task runs locally, where weft invokes no Lambda function. */
  readonly role: 'handler' | 'compensation' | 'standIn';
}

/**
 * The handlers a plan needs from the module, in file order: each task's handler (unless it sleeps or only
 * waits for a callback) and each compensation. A `lambda:` task needs none where it is deployed; locally
 * (`where: 'local'`, the default) it needs a stand-in export named after its id.
 */
export function neededHandlers(plan: Plan, where: 'local' | 'deployed' = 'local'): NeededHandler[] {
  const needed: NeededHandler[] = [];
  for (const task of Object.values(plan.tasks).sort((a, b) => a.index - b.index)) {
    if (runsModuleHandler(task)) needed.push({ task, name: task.handler, role: 'handler' });
    else if (where === 'local' && runsHandlerLocally(task)) {
      needed.push({ task, name: task.handler, role: 'standIn' });
    }
    if (task.compensation !== undefined) {
      needed.push({ task, name: task.compensation.handler, role: 'compensation' });
    }
  }
  return needed;
}

/**
 * Every handler the plans need that the registry lacks: task handlers (tasks that do not run a `lambda:`)
 * and compensations, each name once, in plan and file order. Empty when nothing is missing.
 */
export function missingHandlers(plans: readonly Plan[], registry: HandlerRegistry): string[] {
  const missing = new Set<string>();
  for (const plan of plans) {
    for (const { name } of neededHandlers(plan)) if (typeof registry[name] !== 'function') missing.add(name);
  }
  return [...missing];
}

/**
 * What to tell the user about missing handlers: their names and the module to export them from.
 *
 * @example
 * missingHandlersMessage(['a', 'b'], 'h.ts'); // "missing handlers 'a', 'b': export them from 'h.ts'"
 */
export function missingHandlersMessage(names: readonly string[], modulePath: string): string {
  const quoted = names.map((name) => `'${name}'`).join(', ');
  const noun = names.length === 1 ? 'handler' : 'handlers';
  return `missing ${noun} ${quoted}: export ${names.length === 1 ? 'it' : 'them'} from '${modulePath}'`;
}

/**
 * Throws one error naming every missing handler, before anything runs.
 *
 * @throws UserInputError listing the missing export names and the module they were looked for in.
 */
export function assertHandlers(plans: readonly Plan[], registry: HandlerRegistry, modulePath: string): void {
  const missing = missingHandlers(plans, registry);
  if (missing.length === 0) return;
  const standIns = plans
    .flatMap((plan) => neededHandlers(plan))
    .filter(({ role, name }) => role === 'standIn' && missing.includes(name));
  const note =
    standIns.length === 0
      ? ''
      : ` (${standIns.map(({ task }) => `task '${task.id}' invokes Lambda '${task.lambda}' on AWS`).join(', ')}; ` +
        'locally weft invokes no Lambda function and runs a stand-in export named after the task instead)';
  throw new UserInputError('handlers.missing', `${missingHandlersMessage(missing, modulePath)}${note}`);
}

/**
 * Throws when a task runs its handler in a worker thread or a child process (`isolation:`) but the handlers
 * were given as functions: the thread or process loads the module itself, so it needs its path.
 *
 * @throws UserInputError `handlers.isolationNeedsModule`, naming the tasks.
 */
export function assertIsolatable(plans: readonly Plan[], registry: HandlerRegistry): void {
  if (modulePathOf(registry) !== undefined) return;
  const isolated = plans.flatMap((plan) =>
    Object.values(plan.tasks).filter((task) => task.isolation !== undefined && runsHandlerLocally(task)),
  );
  if (isolated.length === 0) return;
  const tasks = isolated.map((task) => `'${task.id}' (isolation: ${task.isolation})`).join(', ');
  throw new UserInputError(
    'handlers.isolationNeedsModule',
    `task${isolated.length === 1 ? ` ${tasks} runs its handler` : `s ${tasks} run their handlers`} in a worker thread or a child process, ` +
      "which loads the handlers module itself: pass the module's path instead of functions (openLocal({ handlers: 'handlers.ts' }))",
  );
}
