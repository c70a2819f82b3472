/**
 * One process per data or spool directory: `<dir>/.lock` holds the owner's pid and the kernel's
 * start time of that process (so a recycled pid after a kill -9 is not taken for the owner). A
 * second daemon on the same directory, or `spool repair` on a live spool, is refused with the
 * owner named; a lock left by a dead process is taken over.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LockOwner {
  pid: number;
  /** Field 22 of /proc/<pid>/stat (clock ticks since boot). */
  startTicks: string;
  what: string;
}

/** Pure: does the recorded owner still hold the lock, given what /proc says about its pid? */
export function ownerHolds(owner: LockOwner | undefined, startTicksOfPid: string | undefined): boolean {
  return owner !== undefined && startTicksOfPid !== undefined && startTicksOfPid === owner.startTicks;
}

function startTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

export class DirLockedError extends Error {
  constructor(dir: string, owner: LockOwner) {
    super(`${dir} is in use by ${owner.what} (pid ${owner.pid}); stop it first`);
    this.name = 'DirLockedError';
  }
}

export class DirLock {
  private constructor(private readonly path: string) {}

  static acquire(dir: string, what: string): DirLock {
    mkdirSync(dir, { recursive: true });
    const path = join(dir, '.lock');
    const me: LockOwner = { pid: process.pid, startTicks: startTicks(process.pid) ?? '', what };
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        writeFileSync(path, JSON.stringify(me), { flag: 'wx' });
        return new DirLock(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      let owner: LockOwner | undefined;
      try {
        owner = JSON.parse(readFileSync(path, 'utf8')) as LockOwner;
      } catch {
        owner = undefined; // torn or empty: its writer died while writing it
      }
      if (owner && ownerHolds(owner, startTicks(owner.pid))) throw new DirLockedError(dir, owner);
      rmSync(path, { force: true }); // left by a process that is gone
    }
    throw new Error(`${dir}: could not take the lock ${path}`);
  }

  release(): void {
    rmSync(this.path, { force: true });
  }
}
