import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, describe, expect, it } from 'vitest';
import {
  devStackStatus,
  isAlive,
  s3Healthy,
  startDevStack,
  stopDevStack,
  temporalHealthy,
  type DevStackState,
} from '../../scripts/dev/stack.js';
import { DEV_BUCKET } from '../../scripts/dev/dev-bucket.js';
import { testS3Client } from '../helpers/stack.js';

// A stack of its own (not the run's shared one), so stopping it cannot disturb other tests.
describe('dev stack', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ncap-devstack-test-'));
  afterAll(async () => {
    await stopDevStack({ dataDir });
    rmSync(dataDir, { recursive: true, force: true });
  });

  let first: DevStackState & { reused: boolean };

  it('starts Temporal and MinIO on free ports and both answer', async () => {
    first = await startDevStack({ dataDir, s3: true });
    expect(first.reused).toBe(false);
    expect(await temporalHealthy(first.info.temporal.address)).toBe(true);
    expect(await s3Healthy(first.info.s3.endpoint)).toBe(true);
    expect(isAlive(first.pids.temporal)).toBe(true);
    expect(isAlive(first.pids.minio)).toBe(true);
    expect((await devStackStatus({ dataDir })).healthy).toBe(true);
    // Its store's bucket exists, so `--store s3://ncap/…` works on a fresh stack.
    const { HeadBucketCommand } = await import('@aws-sdk/client-s3');
    const s3 = await testS3Client(first.info);
    await expect(s3.send(new HeadBucketCommand({ Bucket: DEV_BUCKET }))).resolves.toBeDefined();
    s3.destroy();
  });

  it("keeps the server's SQLite file in write-ahead-log mode", () => {
    // Bytes 18 and 19 of an SQLite file are its write and read format versions: 2 in WAL mode, 1 with a
    // rollback journal (the server's default, whose per-commit disk syncs stall busy sweeps).
    const header = readFileSync(join(dataDir, 'temporal.sqlite')).subarray(0, 100);
    expect(header.subarray(0, 15).toString('latin1')).toBe('SQLite format 3');
    expect([header[18], header[19]]).toEqual([2, 2]);
  });

  it('a second start while it runs reuses the running stack', async () => {
    const second = await startDevStack({ dataDir, s3: true });
    expect(second.reused).toBe(true);
    expect(second.pids).toEqual(first.pids);
    expect(second.info).toEqual(first.info);
  });

  it('a running stack slow to answer (MinIO paused longer than one health probe) is still reused', async () => {
    // What a loaded machine does to a health probe, made deterministic: MinIO accepts but does not answer.
    process.kill(first.pids.minio!, 'SIGSTOP');
    const resume = setTimeout(() => process.kill(first.pids.minio!, 'SIGCONT'), 3_000);
    try {
      const again = await startDevStack({ dataDir, s3: true });
      expect(again.reused).toBe(true);
      expect(again.pids).toEqual(first.pids);
    } finally {
      clearTimeout(resume);
      process.kill(first.pids.minio!, 'SIGCONT');
    }
  });

  it('a recorded stack that is alive but not answering fails clearly', async () => {
    const statePath = join(dataDir, 'stack.json');
    const original = readFileSync(statePath, 'utf8');
    const broken = JSON.parse(original) as DevStackState;
    broken.info.temporal.address = '127.0.0.1:1'; // alive PIDs, wrong port: unhealthy
    writeFileSync(statePath, JSON.stringify(broken));
    await expect(startDevStack({ dataDir, s3: true })).rejects.toThrow(/not healthy.*ncap dev down/s);
    writeFileSync(statePath, original);
  });

  it('stops each process by its PID', async () => {
    // Leave a workflow in the server's SQLite file, to find it again after a restart.
    const connection = await Connection.connect({ address: first.info.temporal.address });
    await new Client({ connection }).workflow.start('neverPolled', {
      taskQueue: 'nobody',
      workflowId: 'survives-restart',
    });
    await connection.close();
    expect(await stopDevStack({ dataDir })).toBe(true);
    expect(isAlive(first.pids.temporal)).toBe(false);
    expect(isAlive(first.pids.minio)).toBe(false);
    expect(await temporalHealthy(first.info.temporal.address)).toBe(false);
    expect((await devStackStatus({ dataDir })).healthy).toBe(false);
    expect(await stopDevStack({ dataDir })).toBe(false);
  });

  it('a restarted dev server keeps its workflows (same SQLite file)', async () => {
    const again = await startDevStack({ dataDir, s3: false });
    expect(again.reused).toBe(false);
    const connection = await Connection.connect({ address: again.info.temporal.address });
    const described = await new Client({ connection }).workflow.getHandle('survives-restart').describe();
    expect(described.status.name).toBe('RUNNING');
    await connection.close();
  });

  it('after a crash, up brings each server back on its recorded address and data', async () => {
    const before = await startDevStack({ dataDir, s3: true });
    expect(before.reused).toBe(false); // MinIO was not running: it starts, Temporal is kept
    expect(before.pids.temporal).toBe(
      (JSON.parse(readFileSync(join(dataDir, 'stack.json'), 'utf8')) as DevStackState).pids.temporal,
    );
    process.kill(before.pids.temporal, 'SIGKILL');
    process.kill(before.pids.minio!, 'SIGKILL');
    await waitDead(before.pids.temporal);
    await waitDead(before.pids.minio!);

    const after = await startDevStack({ dataDir, s3: true });
    expect(after.reused).toBe(false);
    expect(after.notes).toEqual([]);
    expect(after.info.temporal.address).toBe(before.info.temporal.address);
    expect(after.info.s3.endpoint).toBe(before.info.s3.endpoint);
    expect(after.info.s3.secretAccessKey).toBe(before.info.s3.secretAccessKey);
    const connection = await Connection.connect({ address: after.info.temporal.address });
    const described = await new Client({ connection }).workflow.getHandle('survives-restart').describe();
    expect(described.status.name).toBe('RUNNING');
    await connection.close();
  });

  it('a crashed server whose port was taken comes back on a new one and says so', async () => {
    const before = await startDevStack({ dataDir, s3: true });
    expect(before.reused).toBe(true);
    process.kill(before.pids.temporal, 'SIGKILL');
    await waitDead(before.pids.temporal);
    const squatter = createServer();
    const port = Number(before.info.temporal.address.split(':')[1]);
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
    try {
      const after = await startDevStack({ dataDir, s3: true });
      expect(after.info.temporal.address).not.toBe(before.info.temporal.address);
      expect(after.pids.minio).toBe(before.pids.minio); // the live, healthy MinIO is kept
      expect(after.info.s3.endpoint).toBe(before.info.s3.endpoint);
      expect(after.notes.join('\n')).toMatch(
        new RegExp(`Temporal: the recorded port ${port} is taken.*now listens on port`),
      );
      expect(await temporalHealthy(after.info.temporal.address)).toBe(true);
    } finally {
      squatter.close();
      await stopDevStack({ dataDir });
    }
  });
});

async function waitDead(pid: number): Promise<void> {
  for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 50));
}
