import { register } from 'node:module';

/**
 * fauxqs imports `node:sqlite` at load time for its optional on-disk persistence, which weft never uses: the
 * local queue is rebuilt from DynamoDB after a restart, exactly as in the cloud. That import fails on Node 20
 * (no such module) and prints an ExperimentalWarning on Node 22. This loader hook answers fauxqs's import, and
 * only fauxqs's, with a module whose `DatabaseSync` refuses to be constructed, so fauxqs loads and runs in
 * memory on both, silently. Anyone else importing `node:sqlite` (a user's handlers) gets the real module.
 */
const hooks = `
export async function resolve(specifier, context, next) {
  if (specifier === 'node:sqlite' && /[\\\\/]node_modules[\\\\/]fauxqs[\\\\/]/.test(context.parentURL ?? '')) {
    return { url: 'weft-shim:sqlite', shortCircuit: true };
  }
  return next(specifier, context);
}
export async function load(url, context, next) {
  if (url === 'weft-shim:sqlite') {
    return {
      format: 'module',
      shortCircuit: true,
      source: 'export class DatabaseSync { constructor() { throw new Error("weft runs fauxqs in memory") } }',
    };
  }
  return next(url, context);
}`;

let installed = false;

/** Makes `import('fauxqs')` work on Node 20 and quiet on Node 22. Idempotent; call before importing fauxqs. */
export function ensureSqliteImportable(): void {
  if (installed) return;
  installed = true;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`);
}
