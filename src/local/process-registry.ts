import { mkdir, readdir, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pidAlive } from './owner.ts';

/** This process's entry among the weft processes working in a state dir. */
export interface Registration {
  /** Removes the entry. */
  release(): Promise<void>;
}

const folder = (stateDir: string): string => join(stateDir, 'processes');

/**
 * Announces that this process executes tasks from the state dir (`<stateDir>/processes/<pid>`), so a
 * command started beside it (`weft cancel`, a second `weft run`) knows someone will carry its changes on.
 */
export async function register(stateDir: string): Promise<Registration> {
  await mkdir(folder(stateDir), { recursive: true });
  const file = join(folder(stateDir), String(process.pid));
  await writeFile(file, `${new Date().toISOString()}\n`);
  return { release: () => unlink(file).catch(() => {}) };
}

/**
 * The pids of the other live processes that execute tasks from the state dir; entries of dead processes
 * (killed before they could remove theirs) are removed on the way.
 */
export async function otherWorkers(stateDir: string): Promise<number[]> {
  const names = await readdir(folder(stateDir)).catch(() => [] as string[]);
  const live: number[] = [];
  for (const name of names) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) continue;
    if (pidAlive(pid)) live.push(pid);
    else await unlink(join(folder(stateDir), name)).catch(() => {});
  }
  return live;
}
