/**
 * Which module a handler registry was loaded from: an isolated attempt (`isolation: thread` or `process`)
 * loads the same module in its own thread or process, since functions cannot cross that boundary.
 */
import type { HandlerRegistry } from '../types.ts';

const MODULE_SOURCE = Symbol.for('weft.handlersModule');

/** Where an isolated attempt finds its code. */
export interface HandlersSource {
  /** Absolute path of the handlers module. */
  readonly modulePath: string;
  /**
   * The host script the thread or process runs: by default bin/task-host.js, which registers tsx first; a
   * bundle (the deployed worker) ships its own, built from task-host.ts.
   */
  readonly hostScript?: URL;
}

/**
 * Records the module a registry was loaded from (a property that neither enumerates nor serialises).
 *
 * @example
 * const registry = withModulePath({ score }, '/work/app/handlers.ts');
 * modulePathOf(registry); // '/work/app/handlers.ts'
 */
export function withModulePath<R extends HandlerRegistry>(
  registry: R,
  modulePath: string,
  hostScript?: URL,
): R {
  const source: HandlersSource = hostScript === undefined ? { modulePath } : { modulePath, hostScript };
  Object.defineProperty(registry, MODULE_SOURCE, { value: source, enumerable: false });
  return registry;
}

/** The module a registry was loaded from (and its host script), or undefined for functions given directly. */
export function handlersSourceOf(registry: HandlerRegistry): HandlersSource | undefined {
  const value: unknown = (registry as { readonly [MODULE_SOURCE]?: unknown })[MODULE_SOURCE];
  return typeof value === 'object' && value !== null ? (value as HandlersSource) : undefined;
}

/** The module a registry was loaded from, or undefined for functions given directly. */
export function modulePathOf(registry: HandlerRegistry): string | undefined {
  return handlersSourceOf(registry)?.modulePath;
}
