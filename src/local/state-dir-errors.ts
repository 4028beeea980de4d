import { mkdir } from 'node:fs/promises';
import { UserInputError, WeftError } from '../errors.ts';
import type { RunStore } from '../store/run-store.ts';

/**
 * The state dir, or a file in it, cannot be used: not a directory, no permission, a full disk, a damaged
 * database. The message is one line naming the path and the fix; the command line prints it without a
 * stack trace and exits 1. Codes: `stateDir.notADirectory`, `stateDir.permission`, `stateDir.diskFull`,
 * `stateDir.corrupt`, `stateDir.unusable`.
 */
export class StateDirError extends UserInputError {
  override name = 'StateDirError';

  constructor(
    code: string,
    message: string,
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

const ANOTHER = 'or pass another --state-dir';

/** SQLite's primary result codes weft tells apart (the low byte of an extended code). */
const SQLITE = { readonly: 8, ioerr: 10, corrupt: 11, full: 13, cantopen: 14, notadb: 26 } as const;

/**
 * What a failure to use `path` (the state dir or a file in it) means for the user, as a
 * {@link StateDirError}; undefined when it is not a file-system or database failure weft can explain.
 * `opening` says the database was being opened: any SQLite error then means the file is not weft's.
 *
 * @example
 * try { await writeFile(file, text); } catch (error) { throw stateDirFailure(error, file) ?? error; }
 */
export function stateDirFailure(
  error: unknown,
  path: string,
  options: { readonly opening?: boolean } = {},
): StateDirError | undefined {
  if (error instanceof StateDirError) return error;
  const { cause } = (error ?? {}) as { cause?: unknown };
  // LevelDB (the emulators' database) wraps what went wrong in a generic "failed to open"
  if ((error as { code?: unknown } | null)?.code === 'LEVEL_DATABASE_NOT_OPEN' && cause !== undefined) {
    return stateDirFailure(cause, path, { opening: true });
  }
  const fail = (code: string, message: string) => new StateDirError(code, message, path, { cause: error });
  const { code, errcode } = (error ?? {}) as { code?: unknown; errcode?: unknown };
  const reason = error instanceof Error ? error.message : String(error);
  switch (code) {
    case 'EEXIST':
      return fail(
        'stateDir.notADirectory',
        `'${path}' is a file, not a directory: move the file away, ${ANOTHER} (a directory, created if absent)`,
      );
    case 'ENOTDIR':
      return fail(
        'stateDir.notADirectory',
        `'${path}' cannot be a directory: a part of its path is a file; ${ANOTHER.replace('or ', '')}`,
      );
    case 'EISDIR':
      return fail('stateDir.unusable', `'${path}' is a directory where weft keeps a file: remove it`);
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return fail(
        'stateDir.permission',
        `cannot write '${path}' (${code}): make it writable for this user, ${ANOTHER}`,
      );
    case 'ENOSPC':
    case 'EDQUOT':
      return diskFull(path, error);
  }
  if (code === 'LEVEL_CORRUPTION') return corrupt(path, reason, error);
  if (error instanceof WeftError && error.code === 'store.layoutVersion') {
    return fail('stateDir.corrupt', `'${path}': ${reason}`);
  }
  if (code !== 'ERR_SQLITE_ERROR' || typeof errcode !== 'number') return undefined;
  switch (errcode & 0xff) {
    case SQLITE.full:
      return diskFull(path, error);
    case SQLITE.readonly:
    case SQLITE.cantopen:
      return fail(
        'stateDir.permission',
        `cannot open '${path}' for writing (${reason}): make it a file this user may write, ${ANOTHER}`,
      );
    case SQLITE.ioerr:
      return fail(
        'stateDir.unusable',
        `cannot read or write '${path}' (${reason}): check the disk, ${ANOTHER}`,
      );
    case SQLITE.corrupt:
    case SQLITE.notadb:
      return corrupt(path, reason, error);
  }
  return options.opening ? corrupt(path, reason, error) : undefined;
}

function diskFull(path: string, cause: unknown): StateDirError {
  return new StateDirError(
    'stateDir.diskFull',
    `no space left on the disk holding '${path}': free some space and run the command again, ${ANOTHER} on another disk`,
    path,
    { cause },
  );
}

function corrupt(path: string, reason: string, cause: unknown): StateDirError {
  return new StateDirError(
    'stateDir.corrupt',
    `'${path}' is damaged or is not weft's (${reason}): restore it from a backup, or move it away to start afresh (its runs are then gone), ${ANOTHER}`,
    path,
    { cause },
  );
}

/**
 * Creates the state dir if need be; a file where it should be, or in its path, is a {@link StateDirError}.
 *
 * @example
 * await ensureStateDir('.weft');
 */
export async function ensureStateDir(stateDir: string): Promise<void> {
  await explainFailure(stateDir, () => mkdir(stateDir, { recursive: true }));
}

/**
 * Runs `use`, turning a failure to use `path` into a {@link StateDirError}; other errors pass through.
 *
 * @example
 * await explainFailure(file, () => writeFile(file, text));
 */
export async function explainFailure<T>(
  path: string,
  use: () => Promise<T>,
  options: { readonly opening?: boolean } = {},
): Promise<T> {
  try {
    return await use();
  } catch (error) {
    throw stateDirFailure(error, path, options) ?? error;
  }
}

/**
 * The store, with its failures explained: a full disk or a damaged database file while weft runs is a
 * {@link StateDirError} naming the file, not SQLite's bare message.
 *
 * @example
 * const store = explainStoreFailures(await SqliteRunStore.open(file, metrics), file);
 */
export function explainStoreFailures(store: RunStore, file: string): RunStore {
  return new Proxy(store, {
    get: (target, property, receiver) => {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => explainFailure(file, async () => Reflect.apply(value, target, args));
    },
  });
}
