/**
 * weft's one door to `node:sqlite`: loads the module (quietly: Node 22 warns that it is experimental, and
 * that warning is the only one hidden), opens a database file with the durability weft asks for, and
 * declares the few parts of its API the SQLite store uses (Node 20's type definitions have none).
 */

/** A prepared statement of `node:sqlite` (the part weft uses). */
export interface StatementSync {
  run(...params: SqlValue[]): unknown;
  get(...params: SqlValue[]): Record<string, SqlValue> | undefined;
  all(...params: SqlValue[]): Record<string, SqlValue>[];
}

/** A database connection of `node:sqlite` (the part weft uses). */
export interface DatabaseSync {
  exec(sql: string): void;
  prepare(sql: string): StatementSync;
  close(): void;
  readonly isTransaction: boolean;
}

export type SqlValue = null | number | bigint | string | Uint8Array;

interface SqliteModule {
  readonly DatabaseSync: new (path: string) => DatabaseSync;
}

/** How hard each commit is made durable. */
export type SqliteSynchronous = 'normal' | 'full';

export interface SqliteOpenOptions {
  /**
   * `normal`: a commit survives a crash of the process (kill -9) but the last ones may be lost on power
   * loss; `full`: every commit is fsynced. In WAL mode both keep the database consistent.
   * @default 'normal'
   */
  readonly synchronous?: SqliteSynchronous;
  /**
   * How long a writer waits for another connection's write transaction (another process on the same file)
   * before failing with SQLITE_BUSY.
   * @default 5000
   */
  readonly busyTimeoutMs?: number;
}

let loaded: SqliteModule | undefined;

function isSqliteWarning(warning: unknown, type: unknown): boolean {
  const message = warning instanceof Error ? warning.message : String(warning);
  const kind = typeof type === 'object' && type !== null ? (type as { type?: unknown }).type : type;
  return kind === 'ExperimentalWarning' && message.startsWith('SQLite is an experimental feature');
}

/**
 * `node:sqlite`, loaded once. The load is synchronous, so the filter that drops its ExperimentalWarning is
 * in place for exactly that load and sees no other code's warnings.
 *
 * @example
 * const db = new (loadSqlite().DatabaseSync)(':memory:');
 */
export function loadSqlite(): SqliteModule {
  if (loaded) return loaded;
  const emitWarning = process.emitWarning;
  process.emitWarning = function quietSqlite(this: unknown, warning: string | Error, ...rest: unknown[]) {
    if (isSqliteWarning(warning, rest[0])) return;
    return Reflect.apply(emitWarning, process, [warning, ...rest]);
  } as typeof process.emitWarning;
  let sqlite: SqliteModule | undefined;
  try {
    sqlite = process.getBuiltinModule?.('node:sqlite') as SqliteModule | undefined;
  } finally {
    process.emitWarning = emitWarning;
  }
  if (!sqlite) {
    throw new Error(
      `the SQLite store needs node:sqlite, which Node ${process.version} does not provide: ` +
        'use Node 22.13 or later (22.5 to 22.12 with --experimental-sqlite)',
    );
  }
  loaded = sqlite;
  return sqlite;
}

/**
 * Opens (creating if need be) a database file, or `':memory:'`, and sets it up for weft: WAL journal (readers
 * never block the writer), the chosen `synchronous` level, and a busy timeout so that two processes on one
 * file wait for each other instead of failing.
 *
 * @example
 * const db = openDatabase('.weft/state.db', { synchronous: 'full' });
 */
export function openDatabase(path: string, options: SqliteOpenOptions = {}): DatabaseSync {
  const { DatabaseSync } = loadSqlite();
  const db = new DatabaseSync(path);
  try {
    configure(db, options);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/** Applies weft's pragmas to a connection (they are per connection, except the journal mode). */
export function configure(db: DatabaseSync, options: SqliteOpenOptions = {}): void {
  const synchronous = options.synchronous ?? 'normal';
  if (synchronous !== 'normal' && synchronous !== 'full') {
    throw new Error(`synchronous must be 'normal' or 'full', not ${JSON.stringify(synchronous)}`);
  }
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw new Error(`busyTimeoutMs must be a whole number of milliseconds >= 0, not ${busyTimeoutMs}`);
  }
  // set first: switching to WAL takes a lock that the timeout lets a second process wait for
  db.exec(`PRAGMA busy_timeout = ${busyTimeoutMs}`);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec(`PRAGMA synchronous = ${synchronous.toUpperCase()}`);
}

/** A pragma's current value on this connection, e.g. `pragma(db, 'journal_mode')` is `'wal'`. */
export function pragma(db: DatabaseSync, name: 'journal_mode' | 'synchronous' | 'busy_timeout'): SqlValue {
  const row = db.prepare(`PRAGMA ${name}`).get();
  return row ? (Object.values(row)[0] ?? null) : null;
}
