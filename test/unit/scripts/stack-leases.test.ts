/**
 * The dev stack's leases and the decision to stop it, with real processes: this one, children that are
 * alive (a `sleep`), and children that have exited (their leases are stale). A `sleep` child stands in for
 * the Temporal dev server, so stopping is observed on a real pid; the real server is in
 * test/integration/dev-stack-leases.test.ts.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAlive, LockTimeoutError, withLockFile } from '../../../scripts/dev/shared-files.js';
import {
  giveBackLease,
  liveLeases,
  releaseDevStack,
  STACK_RELEASE,
  takeLease,
} from '../../../scripts/dev/stack-leases.js';
import type { DevStackState, StackStarter } from '../../../scripts/dev/stack.js';

/** The pid of a process that has run and exited. */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '']).pid!;

/** Writes the lease file another process would hold. */
const leaseOf = (dataDir: string, pid: number): void => {
  mkdirSync(join(dataDir, 'leases'), { recursive: true });
  writeFileSync(join(dataDir, 'leases', `${pid}-1.json`), JSON.stringify({ pid }));
};

describe('dev stack leases', () => {
  let dataDir: string;
  const children: ChildProcess[] = [];
  const live = (): number => {
    const child = spawn('sleep', ['600'], { stdio: 'ignore' });
    children.push(child);
    return child.pid!;
  };
  /** Records a stack whose "server" is a live child, started by `startedBy`; returns the server's pid. */
  const recordStack = (startedBy?: StackStarter): number => {
    const temporal = live();
    const state: DevStackState = {
      info: {
        temporal: { address: '127.0.0.1:1', namespace: 'default', uiUrl: 'http://127.0.0.1:2' },
        s3: { endpoint: '', region: 'us-east-1', accessKeyId: 'x', secretAccessKey: 'y' },
      },
      pids: { temporal },
      dataDir,
      startedAt: new Date().toISOString(),
      ...(startedBy ? { startedBy } : {}),
    };
    writeFileSync(join(dataDir, 'stack.json'), JSON.stringify(state));
    return temporal;
  };

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'ncap-leases-'));
  });
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("lists this process's lease and a live child's, and removes a dead child's", () => {
    const mine = takeLease(dataDir);
    const other = live();
    leaseOf(dataDir, other);
    const gone = deadPid();
    leaseOf(dataDir, gone);
    expect(isAlive(gone)).toBe(false);
    expect(new Set(liveLeases(dataDir).map((lease) => lease.pid))).toEqual(new Set([process.pid, other]));
    expect(existsSync(join(dataDir, 'leases', `${gone}-1.json`))).toBe(false);
    giveBackLease(mine);
    expect(liveLeases(dataDir).map((lease) => lease.pid)).toEqual([other]);
  });

  it('the starter leaves the server running while another live process holds a lease, and says so', async () => {
    const server = recordStack({ by: 'command', pid: process.pid });
    const other = live();
    leaseOf(dataDir, other);
    const lines: string[] = [];
    const outcome = await releaseDevStack(takeLease(dataDir), { log: (line) => lines.push(line) });
    expect(outcome).toBe(STACK_RELEASE.leftRunning);
    expect(isAlive(server)).toBe(true);
    expect(lines).toEqual([
      `Left the Temporal dev server running: 1 other ncap process (pid ${other}) uses it`,
    ]);
    expect(readdirSync(join(dataDir, 'leases'))).toEqual([`${other}-1.json`]);
  });

  it('the last leaseholder stops a server a command started and has gone, ignoring stale leases', async () => {
    const server = recordStack({ by: 'command', pid: deadPid() });
    leaseOf(dataDir, deadPid());
    const lines: string[] = [];
    const outcome = await releaseDevStack(takeLease(dataDir), {
      log: (line) => lines.push(line),
      graceMs: 2_000,
    });
    expect(outcome).toBe(STACK_RELEASE.stopped);
    expect(isAlive(server)).toBe(false);
    expect(existsSync(join(dataDir, 'stack.json'))).toBe(false);
    expect(lines.join('\n')).toMatch(/Stopped the Temporal dev server started by ncap process \d+/);
  });

  it('a server the user started (ncap dev up, or recorded before starters were) keeps running', async () => {
    for (const startedBy of [{ by: 'user', pid: deadPid() } as const, undefined]) {
      const server = recordStack(startedBy);
      expect(await releaseDevStack(takeLease(dataDir), { log: () => undefined })).toBe(STACK_RELEASE.kept);
      expect(isAlive(server)).toBe(true);
    }
  });

  it('of two leaseholders leaving at once, exactly one stops the server', async () => {
    const server = recordStack({ by: 'command', pid: process.pid });
    const [first, second] = [takeLease(dataDir), takeLease(dataDir)];
    const outcomes = await Promise.all(
      [first, second].map((lease) => releaseDevStack(lease, { log: () => undefined, graceMs: 2_000 })),
    );
    expect(outcomes.sort()).toEqual([STACK_RELEASE.leftRunning, STACK_RELEASE.stopped].sort());
    expect(isAlive(server)).toBe(false);
  });

  it("decides only once it holds the stack's lock", async () => {
    const server = recordStack({ by: 'command', pid: process.pid });
    const lease = takeLease(dataDir);
    const lock = join(dataDir, 'stack.lock');
    writeFileSync(lock, `${live()}\n`); // another process deciding
    const outcome = releaseDevStack(lease, { log: () => undefined, graceMs: 2_000 });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(existsSync(lease.path)).toBe(true);
    expect(isAlive(server)).toBe(true);
    rmSync(lock);
    expect(await outcome).toBe(STACK_RELEASE.stopped);
    expect(isAlive(server)).toBe(false);
  });

  it('a lock file waits for a live holder and breaks a dead one', async () => {
    const lock = join(dataDir, 'stack.lock');
    writeFileSync(lock, `${live()}\n`);
    await expect(withLockFile(lock, async () => 'ran', { timeoutMs: 300 })).rejects.toThrow(LockTimeoutError);
    writeFileSync(lock, `${deadPid()}\n`);
    await expect(withLockFile(lock, async () => 'ran', { timeoutMs: 300 })).resolves.toBe('ran');
    expect(existsSync(lock)).toBe(false);
  });
});
