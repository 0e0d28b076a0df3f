/**
 * The servers fail mid-sweep: MinIO stopped for 20 s, the Temporal dev server SIGKILLed and started again
 * on its SQLite file (by `startDevStack`, i.e. `ncap dev up`, on its recorded address). The sweep completes
 * on its own, no candidate is lost or failed, no attempt is burned on MinIO's outage, no snapshot is
 * written twice. A stack of its own, so stopping its servers cannot disturb the other test files.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CandidateResult } from '../../../activities/training/types.js';
import { isAlive, startDevStack, stopDevStack, type StartedDevStack } from '../../../scripts/dev/stack.js';
import type { SweepResult } from '../../../workflows/sweep-api.js';
import { createSweepBench, withWorkers, type SweepBench } from '../sweep/sweep-harness.js';
import { trainingAttempts } from '../../../scripts/sweeps/training-attempts.js';

async function waitDead(pid: number): Promise<void> {
  for (let i = 0; i < 200 && isAlive(pid); i++) await sleep(50);
}

/** The result, waiting through the server's absence (the client's calls fail while it is down). */
async function resultThroughOutage(bench: SweepBench, sweepId: string): Promise<SweepResult> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      return (await bench.client.workflow.getHandle(sweepId).result()) as SweepResult;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(500);
    }
  }
}

/** Every candidate's snapshots are exactly the steps its result lists, each once. */
async function expectSnapshotsOnce(bench: SweepBench, sweepId: string, ids: string[]): Promise<void> {
  const store = bench.stores.get(bench.bucket.uri);
  for (const id of ids) {
    const prefix = `sweeps/${sweepId}/candidates/${id}/`;
    const result = JSON.parse(
      Buffer.from(await store.get(`${prefix}result.json`)).toString('utf8'),
    ) as CandidateResult;
    const keys: string[] = [];
    for await (const info of store.list(`${prefix}snapshots/`)) keys.push(info.key);
    const steps = keys.map((k) => Number(/(\d+)\.safetensors$/.exec(k)?.[1]));
    expect(steps, id).toEqual(result.snapshots.steps);
    expect(new Set(steps).size, id).toBe(steps.length);
  }
}

/**
 * @temporalio/client's gRPC retry interceptor retries a call that failed while the server was down on a
 * timer; when the test closes its connection before such a timer fires, the retry throws "Channel has
 * been shut down" from the timer, outside any test. Only that error is set aside here (and counted);
 * anything else still fails the run.
 */
const lateRetries: Error[] = [];
const onUncaught = (error: Error): void => {
  if (error.message === 'Channel has been shut down' && /grpc-retry/.test(error.stack ?? '')) {
    lateRetries.push(error);
    return;
  }
  throw error;
};

describe('server outages mid-sweep (a private Temporal dev server and MinIO)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ncap-outage-'));
  let servers: StartedDevStack;
  let bench: SweepBench;
  const outageWaits: string[] = [];
  beforeAll(async () => {
    process.prependListener('uncaughtException', onUncaught);
    servers = await startDevStack({ dataDir, s3: true, startTimeoutMs: 120_000 });
    bench = await createSweepBench('outage', {
      servers: servers.info,
      // Waits capped at 4 s (default 30 s) only to keep the test short; the outage budget is the default.
      storeProvider: {
        outageRetry: {
          maxDelayMs: 4_000,
          onRetry: (e) => outageWaits.push(`${e.operation} ${e.key}`),
        },
      },
    });
  });
  afterAll(async () => {
    await bench?.close();
    await stopDevStack({ dataDir });
    rmSync(dataDir, { recursive: true, force: true });
    // Late retry timers of calls made during the outage fire after the connection closed.
    await sleep(15_000);
    process.removeListener('uncaughtException', onUncaught);
  }, 60_000);

  const ids = ['m0', 'm1', 'm2', 'm3', 'm4', 'm5'];
  const sweepSpec = async (name: string) =>
    bench.spec({
      name,
      candidates: await Promise.all(
        ids.map(async (id, i) => ({ id, model: await bench.model(`${name}-${id}`, { seed: 40 + i }) })),
      ),
      training: { epochs: 2, batchSize: 8, snapshotEvery: 2, heartbeatTimeoutSeconds: 15, maxAttempts: 3 },
      concurrency: { maxParallel: 2 },
    });
  /** Resolves once the first candidate's result.json is in the store: the sweep is well under way. */
  const firstResult = async (sweepId: string) => {
    const store = bench.stores.get(bench.bucket.uri);
    for (let i = 0; i < 1200; i++) {
      for (const id of ids) if (await store.exists(`sweeps/${sweepId}/candidates/${id}/result.json`)) return;
      await sleep(100);
    }
    throw new Error('no candidate finished');
  };

  it('MinIO stopped for 20 s: store calls wait it out, no attempt is burned, the sweep completes', async () => {
    const spec = await sweepSpec('minio-out');
    const out = await withWorkers(
      bench,
      async () => {
        const started = await bench.start(spec);
        await firstResult(started.sweepId);
        const minio = servers.pids.minio!;
        process.kill(minio, 'SIGKILL');
        await waitDead(minio);
        await sleep(20_000);
        const back = await startDevStack({ dataDir, s3: true });
        expect(back.info.s3.endpoint).toBe(servers.info.s3.endpoint);
        servers = back;
        return started.handle.result();
      },
      { concurrency: 2 },
    );
    expect(out.status).toBe('completed');
    expect(out.failed).toEqual([]);
    expect(out.ranking.map((r) => r.candidateId).sort()).toEqual(ids);
    // The outage hit store calls, and they waited instead of failing.
    expect(outageWaits.length).toBeGreaterThan(0);
    const attempts = trainingAttempts(await bench.client.workflow.getHandle(out.sweepId).fetchHistory());
    for (const id of ids) expect(attempts.get(id), id).toEqual({ attempt: 1, nonRetryable: null });
    await expectSnapshotsOnce(bench, out.sweepId, ids);
  });

  it('the Temporal dev server SIGKILLed and brought back on its SQLite file: nothing lost, nothing twice', async () => {
    const spec = await sweepSpec('temporal-kill');
    const out = await withWorkers(
      bench,
      async () => {
        const started = await bench.start(spec);
        await firstResult(started.sweepId);
        const temporal = servers.pids.temporal;
        process.kill(temporal, 'SIGKILL');
        await waitDead(temporal);
        await sleep(3_000);
        const back = await startDevStack({ dataDir, s3: true });
        expect(back.info.temporal.address).toBe(servers.info.temporal.address);
        servers = back;
        return resultThroughOutage(bench, started.sweepId);
      },
      { concurrency: 2 },
    );
    expect(out.status).toBe('completed');
    expect(out.failed).toEqual([]);
    expect(out.ranking.map((r) => r.candidateId).sort()).toEqual(ids);
    await expectSnapshotsOnce(bench, out.sweepId, ids);
  });
});
