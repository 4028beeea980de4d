import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * This process's identity in leases: `host/pid/nonce`. The nonce tells this process apart from an earlier
 * one that had the same pid.
 */
export function localOwner(): string {
  return `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
}

/**
 * Whether the process that wrote `owner` (as made by {@link localOwner}) may still be running. Only a
 * process on this host can be checked: one whose pid no longer exists is dead, so recovery can take over
 * its attempts at once instead of waiting for their leases to expire. Owners from other hosts, or in a
 * shape this function does not know, are presumed alive (their leases decide).
 *
 * @param self this process's own owner string: the same pid with another nonce is a dead predecessor.
 */
export function isLocalOwnerAlive(owner: string, self: string): boolean {
  if (owner === self) return true;
  const parsed = parseOwner(owner);
  if (parsed === undefined || parsed.host !== hostname()) return true;
  if (parsed.pid === process.pid) return false;
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
