import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/** Owners of this process whose engine was closed: their attempts are abandoned, not running. */
const retired = new Set<string>();

/** Marks an owner of this process as gone (its engine closed), so recovery takes its attempts over at once. */
export function retireOwner(owner: string): void {
  retired.add(owner);
}

/** This process's identity in leases: `host/pid/nonce`; the nonce tells stacks of one process apart. */
export function localOwner(): string {
  return `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
}

/**
 * Whether the process that wrote `owner` (as made by {@link localOwner}) may still be running. Only a
 * process on this host can be checked: one whose pid no longer exists is dead, so recovery can take over
 * its attempts at once instead of waiting for their leases to expire. Owners from other hosts, or in a
 * shape this function does not know, are presumed alive (their leases decide).
 */
export function isLocalOwnerAlive(owner: string): boolean {
  const parsed = parseOwner(owner);
  if (parsed === undefined || parsed.host !== hostname()) return true;
  // Another stack in this very process (tests, `weft dev`) is alive for as long as we are, unless closed.
  if (parsed.pid === process.pid) return !retired.has(owner);
  return pidAlive(parsed.pid);
}

/** Whether a process with this pid exists on this host (a permission error means it does). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseOwner(owner: string): { host: string; pid: number } | undefined {
  const parts = owner.split('/');
  if (parts.length < 3) return undefined;
  const pid = Number(parts[parts.length - 2]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return { host: parts.slice(0, -2).join('/'), pid };
}
