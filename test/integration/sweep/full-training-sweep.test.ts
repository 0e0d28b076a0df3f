/**
 * A full-training sweep (`training.stopping`) as the ground-truth builder runs it: real Temporal dev server,
 * MinIO, TF.js; every candidate trains to a validation plateau and its result.json becomes a ground-truth run.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepKeys } from '../../../activities/store/keys.js';
import type { CandidateResult } from '../../../activities/training/types.js';
import { DEFAULT_TRUTH_RECIPE, groundTruthRun, truthSweepSpec } from '../../../bench/truth/ground-truth.js';
import { syntheticImages, writeSafetensorsDataset } from '../../unit/training/helpers.js';
import { createSweepBench, withWorkers, type SweepBench } from './sweep-harness.js';

describe('full-training sweep (real Temporal dev server, MinIO, TF.js training)', () => {
  let bench: SweepBench;
  beforeAll(async () => {
    bench = await createSweepBench('full');
  });
  afterAll(async () => {
    await bench?.close();
  });

  it('trains every candidate to a validation plateau, scores the test set, and yields ground-truth runs', async () => {
    const data = join(bench.dir, 'truth-data');
    const validationUri = await writeSafetensorsDataset(
      data,
      syntheticImages(45, 3, 8, 8, 1, 21),
      'val.safetensors',
    );
    const testUri = await writeSafetensorsDataset(
      data,
      syntheticImages(30, 3, 8, 8, 1, 22),
      'test.safetensors',
    );
    const candidates = [
      { id: 'narrow', model: await bench.model('narrow', { hidden: 6, seed: 1 }) },
      { id: 'wide', model: await bench.model('wide', { hidden: 16, seed: 2 }) },
    ];
    const recipe = {
      ...DEFAULT_TRUTH_RECIPE,
      maxEpochs: 15,
      patience: 2,
      batchSize: 16,
      learningRate: 0.01,
      probe: { widths: [8, 6, 4], trainable: true },
    };
    const task = {
      name: 'it',
      trainUri: bench.datasetUri,
      validationUri,
      testUri,
      normalisation: '[0,1]' as const,
    };
    const spec = { ...truthSweepSpec(task, candidates, recipe, 7), store: bench.bucket.uri };
    expect(spec.id).toBe(truthSweepSpec(task, candidates, recipe, 7, 4).id);
    expect(spec.id).not.toBe(truthSweepSpec(task, candidates, recipe, 8).id);

    const out = await withWorkers(bench, async () => (await bench.start(spec)).handle.result());
    expect(out.status).toBe('completed');
    expect(out.failed).toEqual([]);
    const store = bench.stores.get(bench.bucket.uri);
    for (const { id } of candidates) {
      const result = JSON.parse(
        Buffer.from(await store.get(sweepKeys(out.sweepId).candidate(id).result)).toString('utf8'),
      ) as CandidateResult;
      expect(result.dataset).toMatchObject({ trainSamples: 96, valSamples: 45, testSamples: 30 });
      const run = groundTruthRun(result, 7);
      expect(run.stoppedBy, id).toBe('plateau');
      expect(run.epochsRun).toBe(run.bestEpoch + 2);
      expect(run.epochsRun).toBeLessThan(15);
      expect(run.curve).toHaveLength(run.epochsRun);
      expect(run.samplesProcessed).toBe(96 * run.epochsRun);
      expect(run.validationAccuracy).toBe(Math.max(...run.curve.map((p) => p.valAccuracy ?? 0)));
      expect(run.testAccuracy).toBe(result.test?.accuracy);
      expect(run.testAccuracy).toBeGreaterThan(0.5);
    }
  });
});
