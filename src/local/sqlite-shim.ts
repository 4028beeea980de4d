import { register } from 'node:module';

/**
 * fauxqs imports `node:sqlite` (Node 22.5+) at load time for its optional on-disk persistence, which weft
 * never uses: the local queue is rebuilt from DynamoDB after a restart, exactly as in the cloud. On Node 20
 * this loader hook answers that import with a module whose `DatabaseSync` refuses to be constructed, so
 * fauxqs loads and runs in memory. On Node 22 the real module is left alone.
 */
const hooks = `
export async function resolve(specifier, context, next) {
  if (specifier === 'node:sqlite') return { url: 'weft-shim:sqlite', shortCircuit: true };
  return next(specifier, context);
}
export async function load(url, context, next) {
  if (url === 'weft-shim:sqlite') {
    return {
      format: 'module',
      shortCircuit: true,
      source: 'export class DatabaseSync { constructor() { throw new Error("node:sqlite needs Node 22.5+; weft runs fauxqs in memory") } }',
    };
  }
  return next(url, context);
}`;

let installed = false;

/** Makes `import('fauxqs')` work on Node versions without `node:sqlite`. Idempotent. */
export async function ensureSqliteImportable(): Promise<void> {
  if (installed) return;
  installed = true;
  try {
    await import('node:sqlite' as string);
  } catch {
    register(`data:text/javascript,${encodeURIComponent(hooks)}`);
  }
}
