/**
 * Files that several ncap processes on one machine share (the dev stack's `stack.json` and leases): each is
 * written whole or not at all, and decisions over them are taken under an exclusive lock file.
 */
import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** How often a waiter tries to take a held lock again, in milliseconds. */
const LOCK_RETRY_MS = 100;

export class LockTimeoutError extends Error {
  override name = 'LockTimeoutError';
}

/** Writes `value` as JSON through a temporary file and a rename, so a reader never sees half of it. */
export function writeJsonAtomic(path: string, value: unknown): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, path);
}

/** The pid recorded in a lock file, or undefined while it is being written or when it is gone. */
function lockHolder(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a process with this pid exists (`process.kill(pid, 0)`). */
export function isAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock if nobody holds it: creating the file with O_EXCL succeeds for exactly one process. */
function tryLock(path: string): boolean {
  try {
    writeFileSync(path, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/**
 * Removes a lock whose holder died (killed while holding it). It is renamed aside first, so of two waiters
 * only one removes it; if what was renamed turns out to be a live holder's (it took the lock between the
 * read and the rename), it is linked back.
 */
function breakStaleLock(path: string): void {
  const holder = lockHolder(path);
  if (holder === undefined || isAlive(holder)) return;
  const aside = `${path}.stale-${process.pid}`;
  try {
    renameSync(path, aside);
  } catch {
    return; // another waiter broke it first
  }
  const renamed = lockHolder(aside);
  if (renamed !== undefined && isAlive(renamed)) {
    try {
      linkSync(aside, path);
    } catch {
      // A third process took the lock meanwhile; the live holder's critical section is no longer exclusive.
    }
  }
  rmSync(aside, { force: true });
}

/**
 * Runs `fn` holding the lock file `path` (created with O_EXCL, holding this pid), waiting for another
 * holder to finish; a lock left by a dead process is broken.
 * @param options.timeoutMs how long to wait for the lock, in milliseconds (default 180000)
 * @throws LockTimeoutError when a live process holds it longer
 */
export async function withLockFile<T>(
  path: string,
  fn: () => Promise<T>,
  options: { timeoutMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 180_000);
  while (!tryLock(path)) {
    breakStaleLock(path);
    if (Date.now() > deadline)
      throw new LockTimeoutError(
        `${path} is held by process ${lockHolder(path) ?? '?'}; wait for it to finish, or remove the file if that process is stuck`,
      );
    await sleep(LOCK_RETRY_MS);
  }
  try {
    return await fn();
  } finally {
    rmSync(path, { force: true });
  }
}
