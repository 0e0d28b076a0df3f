/**
 * Two ncap processes on one dev stack (its own, not the run's shared one): a child process starts the real
 * Temporal dev server as a command does (`leaseDevStack`, what `withLocalSweeps` calls), this process
 * reuses it, the child finishes first; the server must keep serving this process, which, as the last one
 * using it, then stops it. The child runs the built module: needs `npm run build`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Connection } from '@temporalio/client';
import { afterAll, describe, expect, it } from 'vitest';
import { leaseDevStack, releaseDevStack, STACK_RELEASE } from '../../scripts/dev/stack-leases.js';
import { isAlive, startDevStack, stopDevStack, temporalHealthy } from '../../scripts/dev/stack.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const builtLeases = join(repoRoot, 'dist', 'scripts', 'dev', 'stack-leases.js');

/** The child: leases the stack, prints it, and on a line on stdin releases it and prints the outcome. */
const CHILD = `
const { leaseDevStack, releaseDevStack } = await import(process.env.LEASES_MODULE);
const { stack, lease } = await leaseDevStack({ dataDir: process.env.DATA_DIR, s3: false, startTimeoutMs: 120000 });
console.log(JSON.stringify({ reused: stack.reused, pid: stack.pids.temporal, address: stack.info.temporal.address }));
process.stdin.once('data', async () => {
  const outcome = await releaseDevStack(lease, { log: (line) => console.log(JSON.stringify({ line })) });
  console.log(JSON.stringify({ outcome }));
  process.exit(0);
});
`;

/** Spawns the child; `next()` resolves with each JSON line it prints. */
function spawnLeaseholder(dataDir: string): {
  child: ChildProcess;
  next: () => Promise<Record<string, unknown>>;
} {
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], {
    env: { ...process.env, DATA_DIR: dataDir, LEASES_MODULE: pathToFileURL(builtLeases).href },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines: Record<string, unknown>[] = [];
  const waiters: ((line: Record<string, unknown>) => void)[] = [];
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n')) {
      const line = JSON.parse(buffer.slice(0, end)) as Record<string, unknown>;
      buffer = buffer.slice(end + 1);
      const waiter = waiters.shift();
      if (waiter) waiter(line);
      else lines.push(line);
    }
  });
  const next = () =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const line = lines.shift();
      if (line) return resolve(line);
      waiters.push(resolve);
      child.once('exit', (code) => reject(new Error(`the leaseholder child exited (${code})`)));
    });
  return { child, next };
}

describe.skipIf(!existsSync(builtLeases))(
  'a dev server shared by two ncap processes (after npm run build)',
  () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ncap-leases-it-'));
    afterAll(async () => {
      await stopDevStack({ dataDir });
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('outlives the process that started it while another uses it; the last one stops it', async () => {
      const starter = spawnLeaseholder(dataDir);
      const started = (await starter.next()) as { reused: boolean; pid: number; address: string };
      expect(started.reused).toBe(false);

      const { stack, lease } = await leaseDevStack({ dataDir, s3: false });
      expect(stack.reused).toBe(true);
      expect(stack.pids.temporal).toBe(started.pid);

      starter.child.stdin!.write('end\n');
      expect(await starter.next()).toEqual({
        line: `Left the Temporal dev server running: 1 other ncap process (pid ${process.pid}) uses it`,
      });
      expect(await starter.next()).toEqual({ outcome: STACK_RELEASE.leftRunning });
      await new Promise((resolve) => starter.child.once('exit', resolve));

      // The server still answers this process, on the connection it would use for its sweeps.
      expect(isAlive(started.pid)).toBe(true);
      const connection = await Connection.connect({ address: started.address });
      await expect(
        connection.workflowService.describeNamespace({ namespace: 'default' }),
      ).resolves.toBeDefined();
      await connection.close();

      const lines: string[] = [];
      expect(await releaseDevStack(lease, { log: (line) => lines.push(line) })).toBe(STACK_RELEASE.stopped);
      expect(lines).toEqual([
        `Stopped the Temporal dev server started by ncap process ${starter.child.pid}: this was the last process using it.`,
      ]);
      expect(isAlive(started.pid)).toBe(false);
      expect(await temporalHealthy(started.address)).toBe(false);
    });

    it('`ncap dev up` makes a running server its own: it outlives the commands that use it', async () => {
      const command = await leaseDevStack({ dataDir, s3: false });
      expect(command.stack.reused).toBe(false);
      const up = await startDevStack({ dataDir, s3: false });
      expect(up.reused).toBe(true);
      expect(up.startedBy?.by).toBe('user');
      expect(await releaseDevStack(command.lease, { log: () => undefined })).toBe(STACK_RELEASE.kept);
      const later = await leaseDevStack({ dataDir, s3: false });
      expect(later.stack.reused).toBe(true);
      expect(await releaseDevStack(later.lease, { log: () => undefined })).toBe(STACK_RELEASE.kept);
      expect(await temporalHealthy(up.info.temporal.address)).toBe(true);
    });
  },
);
