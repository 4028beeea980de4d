import { readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserInputError } from '../errors.ts';
import { pidAlive } from './owner.ts';
import { ensureStateDir, explainFailure, stateDirFailure } from './state-dir-errors.ts';

/** What `<stateDir>/stack.json` says about the stack that has the state dir open. */
export interface StackRecord {
  readonly pid: number;
  readonly dynamodbEndpoint: string;
  readonly sqsEndpoint: string;
  readonly tableName: string;
  readonly queueUrl: string;
  readonly startedAt: string;
}

/** This process now owns the state dir: it opens the database and must publish, then release. */
export interface OwnedStateDir {
  readonly kind: 'owned';
  /** Tells other processes how to reach the stack now running. */
  publish(record: Omit<StackRecord, 'pid'>): Promise<void>;
  /** Gives the state dir up (removes stack.json if it is still ours). */
  release(): Promise<void>;
}

/** Another live process has the state dir open: connect to its endpoints. */
export interface LiveStateDir {
  readonly kind: 'live';
  readonly record: StackRecord;
}

/** How long to wait, by default, for a process that has claimed the state dir to publish its endpoints. */
const STARTING_GRACE_MS = 15_000;

/**
 * A claim is created and its record written in one moment; a `stack.json` holding no record (empty, cut
 * short, not weft's) for longer than this was left by a process that died in between, or by something else.
 */
const UNREADABLE_STALE_MS = 1_000;

/**
 * Takes the state dir for this process, or finds the live process that has it. Two processes cannot open
 * one LevelDB database, so `stack.json` is created exclusively as a lock; a lock whose pid is dead (the
 * process was killed) is stale and taken over.
 *
 * @example
 * const claim = await claimStateDir('.weft');
 * if (claim.kind === 'live') connect(claim.record.dynamodbEndpoint);
 */
export async function claimStateDir(
  stateDir: string,
  startingGraceMs = STARTING_GRACE_MS,
): Promise<OwnedStateDir | LiveStateDir> {
  await ensureStateDir(stateDir);
  const file = join(stateDir, 'stack.json');
  const deadline = Date.now() + startingGraceMs;
  for (;;) {
    try {
      await writeFile(file, JSON.stringify({ pid: process.pid }), { flag: 'wx' });
      return owned(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw stateDirFailure(error, file) ?? error;
    }
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      // released since: claim again; anything else (a directory in the way) is explained
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw stateDirFailure(error, file) ?? error;
    }
    const record = parseRecord(text);
    if (record === undefined ? await leftOver(file) : !pidAlive(record.pid)) {
      await removeIfUnchanged(file, text);
      continue;
    }
    if (record !== undefined && isComplete(record)) return { kind: 'live', record };
    if (Date.now() > deadline) {
      const who = record === undefined ? 'another process' : `process ${record.pid}`;
      throw new UserInputError(
        'stateDir.busy',
        `state dir '${stateDir}' is held by ${who}, which has not started its stack in ` +
          `${Math.round(startingGraceMs / 1000)} s: stop it, or remove ${file} if it is not weft`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Whether a `stack.json` that holds no record is old enough to have been left behind. */
async function leftOver(file: string): Promise<boolean> {
  const written = await stat(file).then(
    (stats) => stats.mtimeMs,
    () => 0,
  );
  return Date.now() - written > UNREADABLE_STALE_MS;
}

/**
 * Removes the record of a stack that is gone although its pid is alive (the pid was reused after the weft
 * process was killed), unless another process has replaced the record meanwhile.
 */
export async function discardRecord(stateDir: string, record: StackRecord): Promise<void> {
  const file = join(stateDir, 'stack.json');
  const text = await readFile(file, 'utf8').catch(() => undefined);
  const current = text === undefined ? undefined : parseRecord(text);
  if (current?.pid === record.pid && current.dynamodbEndpoint === record.dynamodbEndpoint) {
    await unlink(file).catch(() => {});
  }
}

function owned(file: string): OwnedStateDir {
  return {
    kind: 'owned',
    async publish(record) {
      const temporary = `${file}.${process.pid}.tmp`;
      await explainFailure(temporary, async () => {
        await writeFile(temporary, `${JSON.stringify({ pid: process.pid, ...record }, null, 2)}\n`);
        await rename(temporary, file);
      });
    },
    async release() {
      const text = await readFile(file, 'utf8').catch(() => undefined);
      if (text !== undefined && parseRecord(text)?.pid === process.pid) await unlink(file).catch(() => {});
    },
  };
}

/** Removes a stale lock unless another process replaced it in the meantime. */
async function removeIfUnchanged(file: string, seen: string | undefined): Promise<void> {
  const now = await readFile(file, 'utf8').catch(() => undefined);
  if (now === seen) await unlink(file).catch(() => {});
}

function parseRecord(text: string): (Partial<StackRecord> & { pid: number }) | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null) return undefined;
    const pid = (value as { pid?: unknown }).pid;
    // a pid of 0 or below names a process group, not a process: not a record weft wrote
    return Number.isInteger(pid) && (pid as number) > 0
      ? ({ ...value, pid } as Partial<StackRecord> & { pid: number })
      : undefined;
  } catch {
    return undefined;
  }
}

function isComplete(record: Partial<StackRecord>): record is StackRecord {
  return (
    typeof record.dynamodbEndpoint === 'string' &&
    typeof record.sqsEndpoint === 'string' &&
    typeof record.tableName === 'string' &&
    typeof record.queueUrl === 'string'
  );
}
