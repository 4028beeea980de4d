import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { ensureSqliteImportable } from './sqlite-shim.ts';
import { stateDirFailure } from './state-dir-errors.ts';

/** A running emulator: its HTTP endpoint on loopback and how to stop it. */
export interface Emulator {
  readonly endpoint: string;
  close(): Promise<void>;
}

export interface DynaliteOptions {
  /** LevelDB directory; in memory when absent. */
  readonly path?: string;
  /** 0 picks a free port. */
  readonly port?: number;
}

/**
 * Starts dynalite (DynamoDB's wire protocol over LevelDB) on 127.0.0.1.
 *
 * @example
 * const ddb = await startDynalite({ path: '.weft/dynamodb' });
 * // new DynamoDBClient({ endpoint: ddb.endpoint, ... })
 */
export async function startDynalite(options: DynaliteOptions = {}): Promise<Emulator> {
  if (options.path) await assertOpenable(options.path);
  const { default: dynalite } = await import('dynalite');
  const server = dynalite({
    ...(options.path ? { path: options.path } : {}),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error?: Error) => (error ? reject(error) : resolve()));
      }),
  };
}

interface LevelDatabase {
  open(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens and closes the LevelDB database once before dynalite does: dynalite throws a failure to open it
 * (a damaged file, a file where the directory should be) from a callback, where no caller can catch it.
 */
async function assertOpenable(path: string): Promise<void> {
  // dynalite's own copy of `level`, so both open the files the same way
  const fromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));
  const { Level } = fromDynalite('level') as { Level: new (path: string) => LevelDatabase };
  const db = new Level(path);
  try {
    await db.open();
  } catch (error) {
    throw stateDirFailure(error, path, { opening: true }) ?? error;
  }
  await db.close();
}

export interface FauxqsOptions {
  /** 0 picks a free port. */
  readonly port?: number;
}

/**
 * Starts fauxqs (SQS's wire protocol, in memory) on 127.0.0.1. `startFauxqs` binds 0.0.0.0, so this builds
 * its app and listens on loopback itself.
 */
export async function startFauxqs(options: FauxqsOptions = {}): Promise<Emulator> {
  ensureSqliteImportable();
  const { buildApp } = await import('fauxqs');
  const app = buildApp({ logger: false });
  const endpoint = await app.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  return { endpoint, close: () => app.close() };
}
