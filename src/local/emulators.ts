import type { AddressInfo } from 'node:net';
import { ensureSqliteImportable } from './sqlite-shim.ts';

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
