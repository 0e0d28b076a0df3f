/**
 * Leases on the dev stack, so that the Temporal dev server one ncap command started outlives every other
 * command still using it. Each process running sweeps on the embedded stack holds a lease, a file
 * `<dataDir>/leases/<pid>-<n>.json`, from before it starts or reuses the stack until its end. When it ends
 * it gives the lease back and, under the stack's lock ({@link withStackLock}), stops the stack only if no
 * other live process holds a lease and the stack was started by an ncap command (this one, or one that has
 * ended: ownership passes to the last leaseholder); a stack the user started with `ncap dev up` keeps
 * running.
 *
 * Race-safety rule: a lease is written before its process takes the lock to start or reuse the stack, and
 * a leaving process removes its own lease, then lists the others and stops the stack all inside the lock.
 * So a process that reuses the stack either did so before the leaver looked (its lease is seen: the stack
 * stays) or does so after the stop (it starts a new one); of two processes leaving at once, the second to
 * take the lock sees the first's lease gone and stops the stack: never both leave it running, never both
 * fail. A lease of a dead process (killed, crashed) is stale: ignored and removed.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, writeJsonAtomic } from './shared-files.js';
import {
  defaultDataDir,
  readDevStackState,
  startDevStack,
  stopRecordedStack,
  withStackLock,
  type DevStackOptions,
  type StartedDevStack,
} from './stack.js';

/** A lease held by this process. */
export interface StackLease {
  dataDir: string;
  /** The lease file. */
  path: string;
}

/** A lease on file: its holder's pid and its path. */
export interface LeaseRecord {
  pid: number;
  path: string;
}

/** What {@link releaseDevStack} did with the stack. */
export const STACK_RELEASE = {
  /** This was the last process using a stack an ncap command started: stopped. */
  stopped: 'stopped',
  /** Other live processes hold leases: left running for them. */
  leftRunning: 'left-running',
  /** Nobody else uses it, but the user started it (`ncap dev up`): kept. */
  kept: 'kept',
  /** No stack is recorded any more (stopped by `ncap dev down`). */
  gone: 'gone',
} as const;
export type StackRelease = (typeof STACK_RELEASE)[keyof typeof STACK_RELEASE];

const leasesDir = (dataDir: string): string => join(dataDir, 'leases');

/** Leases taken by this process so far, to name each file uniquely (one process may hold several). */
let leaseCount = 0;

/** Writes a lease for this process; it is removed on {@link giveBackLease} or when the process exits. */
export function takeLease(dataDir: string = defaultDataDir()): StackLease {
  mkdirSync(leasesDir(dataDir), { recursive: true });
  const path = join(leasesDir(dataDir), `${process.pid}-${++leaseCount}.json`);
  writeJsonAtomic(path, { pid: process.pid, takenAt: new Date().toISOString() });
  // An exit that skips the finally (process.exit) still gives the lease back.
  const onExit = (): void => rmSync(path, { force: true });
  process.once('exit', onExit);
  exitHandlers.set(path, onExit);
  return { dataDir, path };
}

const exitHandlers = new Map<string, () => void>();

/** Removes this process's lease file. */
export function giveBackLease(lease: StackLease): void {
  rmSync(lease.path, { force: true });
  const onExit = exitHandlers.get(lease.path);
  if (onExit) process.off('exit', onExit);
  exitHandlers.delete(lease.path);
}

function readLease(path: string): LeaseRecord | undefined {
  try {
    const pid = Number((JSON.parse(readFileSync(path, 'utf8')) as { pid?: unknown }).pid);
    return Number.isInteger(pid) && pid > 0 ? { pid, path } : undefined;
  } catch {
    return undefined; // a temporary file being renamed, or unreadable: not a lease
  }
}

/** The leases of live processes in `dataDir`; those of dead processes are removed on the way. */
export function liveLeases(dataDir: string = defaultDataDir()): LeaseRecord[] {
  let names: string[];
  try {
    names = readdirSync(leasesDir(dataDir)).filter((name) => name.endsWith('.json'));
  } catch {
    return [];
  }
  const leases = names.flatMap((name) => readLease(join(leasesDir(dataDir), name)) ?? []);
  const stale = leases.filter((lease) => !isAlive(lease.pid));
  for (const lease of stale) rmSync(lease.path, { force: true });
  return leases.filter((lease) => !stale.includes(lease));
}

/** Takes a lease, then starts or reuses the stack as a command ({@link startDevStack}); a failed start gives it back. */
export async function leaseDevStack(
  options: Omit<DevStackOptions, 'startedBy'> = {},
): Promise<{ stack: StartedDevStack; lease: StackLease }> {
  const lease = takeLease(options.dataDir ?? defaultDataDir());
  try {
    return { stack: await startDevStack({ ...options, startedBy: 'command' }), lease };
  } catch (error) {
    giveBackLease(lease);
    throw error;
  }
}

/** E.g. `1 other ncap process (pid 123) uses it`. */
function usersLine(pids: number[]): string {
  const one = pids.length === 1;
  return `${pids.length} other ncap ${one ? 'process' : 'processes'} (pid ${pids.join(', ')}) ${one ? 'uses' : 'use'} it`;
}

/**
 * Gives the lease back and, under the stack's lock, stops the stack if this was the last process using
 * one an ncap command started (see the module's rule); says in one line what it did.
 * @param options.log where the line goes
 * @param options.graceMs how long each server gets to stop before SIGKILL, in milliseconds (default 10000)
 */
export async function releaseDevStack(
  lease: StackLease,
  options: { log: (line: string) => void; graceMs?: number },
): Promise<StackRelease> {
  return withStackLock(lease.dataDir, async () => {
    giveBackLease(lease);
    const state = readDevStackState(lease.dataDir);
    if (!state) return STACK_RELEASE.gone;
    const starter = state.startedBy;
    if (starter?.by !== 'command') return STACK_RELEASE.kept;
    const mine = starter.pid === process.pid || !isAlive(starter.pid);
    const others = liveLeases(lease.dataDir);
    if (others.length > 0) {
      const pids = [...new Set(others.map((other) => other.pid))];
      if (mine) options.log(`Left the Temporal dev server running: ${usersLine(pids)}`);
      return STACK_RELEASE.leftRunning;
    }
    await stopRecordedStack({ dataDir: lease.dataDir, graceMs: options.graceMs ?? 10_000 });
    options.log(
      starter.pid === process.pid
        ? 'Stopped the Temporal dev server started here.'
        : `Stopped the Temporal dev server started by ncap process ${starter.pid}: this was the last process using it.`,
    );
    return STACK_RELEASE.stopped;
  });
}
