import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { isLocalOwnerAlive, localOwner, pidAlive } from '../../../src/local/owner.ts';

/** A pid that certainly belonged to a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '0']);
  return child.pid ?? 0;
}

describe('isLocalOwnerAlive', () => {
  const self = localOwner();

  it('names this host and pid in the owner', () => {
    expect(self.startsWith(`${hostname()}/${process.pid}/`)).toBe(true);
  });

  it('treats this process as alive', () => {
    expect(isLocalOwnerAlive(self)).toBe(true);
  });

  it('treats an exited process on this host as dead', () => {
    const pid = deadPid();
    expect(pidAlive(pid)).toBe(false);
    expect(isLocalOwnerAlive(`${hostname()}/${pid}/abcd`)).toBe(false);
  });

  it('treats another stack of this process as alive', () => {
    expect(isLocalOwnerAlive(`${hostname()}/${process.pid}/other`)).toBe(true);
  });

  it('presumes owners on other hosts, or in unknown shapes, alive', () => {
    expect(isLocalOwnerAlive(`elsewhere.example/${deadPid()}/abcd`)).toBe(true);
    expect(isLocalOwnerAlive('lambda:request-123')).toBe(true);
  });
});
