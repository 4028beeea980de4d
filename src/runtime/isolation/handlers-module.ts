/**
 * Which module a handler registry was loaded from: an isolated attempt (`isolation: thread` or `process`)
 * loads the same module in its own thread or process, since functions cannot cross that boundary.
 */
import type { HandlerRegistry } from '../types.ts';

const MODULE_PATH = Symbol.for('weft.handlersModule');

/**
 * Records the absolute path a registry was loaded from (a property that neither enumerates nor serialises).
 *
 * @example
 * const registry = withModulePath({ score }, '/work/app/handlers.ts');
 * modulePathOf(registry); // '/work/app/handlers.ts'
 */
export function withModulePath<R extends HandlerRegistry>(registry: R, absolutePath: string): R {
  Object.defineProperty(registry, MODULE_PATH, { value: absolutePath, enumerable: false });
  return registry;
}

/** The module a registry was loaded from, or undefined for functions given directly. */
export function modulePathOf(registry: HandlerRegistry): string | undefined {
  const value: unknown = (registry as { readonly [MODULE_PATH]?: unknown })[MODULE_PATH];
  return typeof value === 'string' ? value : undefined;
}
