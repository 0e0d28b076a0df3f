import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepKeys } from '../../../activities/store/keys.js';
import {
  cancelCandidateSignal,
  cancelSweepSignal,
  progressQuery,
  type SweepProgress,
} from '../../../workflows/sweep-api.js';
import { syntheticImages, writeSafetensorsDataset } from '../../unit/training/helpers.js';
import { createSweepBench, withWorkers, type SweepBench } from './sweep-harness.js';

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('cancelling (signals)', () => {
  let bench: SweepBench;
  let datasetUri: string;
  beforeAll(async () => {
    bench = await createSweepBench('cancel');
    // Slow enough (many small steps) that trainings are still running when the signals arrive.
    datasetUri = await writeSafetensorsDataset(
      join(bench.dir, 'slow-data'),
      syntheticImages(1200, 3, 8, 8, 1, 5),
    );
  });
  afterAll(async () => {
    await bench?.close();
  });

  it('one candidate is cancelled while the others finish; the sweep is scored without it', async () => {
    const models = await Promise.all(
      ['keep', 'drop'].map(async (id, i) => ({
        id,
        model: await bench.model(`cancel-${id}`, { seed: 30 + i }),
      })),
    );
    const spec = bench.spec({
      name: 'cancel-one',
      dataset: { uri: datasetUri, normalisation: '[0,1]', validationFraction: 0.1 },
      candidates: models,
      training: { epochs: 3, batchSize: 4, snapshotEvery: 50 },
      concurrency: { maxParallel: 2 },
    });
    const out = await withWorkers(
      bench,
      async () => {
        const started = await bench.start(spec);
        await waitFor(
          async () =>
            (await started.handle.query(progressQuery)).candidates.every((c) => c.state === 'running'),
          'both running',
        );
        await started.handle.signal(cancelCandidateSignal, 'drop');
        return started.handle.result();
      },
      { concurrency: 2 },
    );
    expect(out.status).toBe('completed');
    expect(out.winner).toBe('keep');
    expect(out.failed).toEqual([
      {
        candidateId: 'drop',
        status: 'cancelled',
        failure: { type: 'CancelledFailure', message: 'cancelled by an operator' },
      },
    ]);
  });

  it('cancelling the sweep stops running trainings at the next batch, keeps their checkpoints, and reports them', async () => {
    const models = await Promise.all(
      ['one', 'two', 'three'].map(async (id, i) => ({
        id,
        model: await bench.model(`stop-${id}`, { seed: 40 + i }),
      })),
    );
    const spec = bench.spec({
      name: 'cancel-all',
      dataset: { uri: datasetUri, normalisation: '[0,1]', validationFraction: 0.1 },
      candidates: models,
      // Far more epochs than the test waits for: only a working cancellation ends it early.
      training: { epochs: 20, batchSize: 4, snapshotEvery: 50 },
      concurrency: { maxParallel: 1 },
    });
    let progress: SweepProgress | undefined;
    const out = await withWorkers(
      bench,
      async () => {
        const started = await bench.start(spec);
        const checkpoint = sweepKeys(started.sweepId).candidate('one').checkpoint(1);
        const store = bench.stores.get(bench.bucket.uri);
        await waitFor(
          async () => store.exists(`${checkpoint}state.json`),
          'epoch 1 checkpoint of the first candidate',
        );
        await started.handle.signal(cancelSweepSignal);
        const result = await started.handle.result();
        progress = await started.handle.query(progressQuery);
        return result;
      },
      { concurrency: 1 },
    );
    expect(out.status).toBe('cancelled');
    expect(out.winner).toBeNull();
    expect(out.failed.map((f) => [f.candidateId, f.status])).toEqual([
      ['one', 'cancelled'],
      ['two', 'cancelled'],
      ['three', 'cancelled'],
    ]);
    expect(progress?.status).toBe('cancelled');
    // The interrupted candidate kept its checkpoint: a resume continues from it.
    const store = bench.stores.get(bench.bucket.uri);
    expect(await store.exists(`${sweepKeys(out.sweepId).candidate('one').checkpoint(1)}state.json`)).toBe(
      true,
    );
    expect(await store.exists(sweepKeys(out.sweepId).candidate('one').result)).toBe(false);
    expect(out.reportKey).not.toBeNull();
  });
});
