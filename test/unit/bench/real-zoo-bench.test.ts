import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { earlySweepSpec } from '../../../bench/selection/early-sweeps.js';
import { loadRealZoo, REAL_ZOO_MANIFEST } from '../../../bench/selection/real-zoo.js';
import { parseBuildTruthArgs, TRUTH_ZOOS } from '../../../bench/truth/build-truth.js';
import { FROZEN_TRUTH_RECIPE, TRUTH_SEEDS, truthSweepSpec } from '../../../bench/truth/ground-truth.js';
import type { RealZooManifest } from '../../../zoos/real/build.js';

const manifest = JSON.parse(await readFile(resolve(REAL_ZOO_MANIFEST), 'utf8')) as RealZooManifest;

describe('the real-network zoo in the selection benchmark', () => {
  it('sweeps every cut frozen, pooled as the manifest says, with the ground truth’s optimiser', async () => {
    const zoo = await loadRealZoo();
    expect(zoo.name).toBe('real');
    expect(zoo.task.mode).toBe('frozen');
    expect(zoo.task.candidates.map((c) => c.id)).toEqual(manifest.candidates.map((c) => c.id));
    for (const c of manifest.candidates) {
      const task = zoo.task.candidates.find((t) => t.id === c.id)!;
      expect(task.featureLayer).toBe(c.featureLayer);
      expect(task.featurePooling).toBe(c.featurePooling === 'none' ? undefined : c.featurePooling);
      const network = manifest.networks.find((n) => n.id === c.network)!;
      expect(task.model.endsWith(network.modelPath)).toBe(true);
    }
    expect(zoo.task).toMatchObject({
      trainSamples: manifest.dataset.samples.train,
      batchSize: FROZEN_TRUTH_RECIPE.batchSize,
      learningRate: FROZEN_TRUTH_RECIPE.learningRate,
      probeWidths: FROZEN_TRUTH_RECIPE.probe.widths,
    });
    // The early runs read the cached train and validation features, not a split of the training file.
    const spec = earlySweepSpec(zoo.task, 'trainable');
    expect(spec.dataset.uri.endsWith(manifest.dataset.paths.train)).toBe(true);
    expect(spec.dataset.validationUri?.endsWith(manifest.dataset.paths.validation)).toBe(true);
    expect(spec.candidates.filter((c) => c.featurePooling === 'average').length).toBe(
      manifest.candidates.filter((c) => c.featurePooling === 'average').length,
    );
  });

  it('takes each candidate’s ground truth from the manifest, seeds in common only', async () => {
    const zoo = await loadRealZoo();
    const measured = manifest.candidates.filter((c) => c.groundTruth);
    expect(zoo.truth.map((t) => t.candidateId).sort()).toEqual(measured.map((c) => c.id).sort());
    expect(zoo.missingTruth.length + zoo.truth.length).toBe(manifest.candidates.length);
    for (const t of zoo.truth) {
      const truth = manifest.candidates.find((c) => c.id === t.candidateId)!.groundTruth!;
      expect(t.accuracy).toBe(truth.accuracyMean);
      expect(t.fullSamples).toBe(truth.samplesProcessedMean);
      expect(t.seedAccuracies).toHaveLength(t.seeds.length);
    }
  });
});

describe('--build-truth --zoo real', () => {
  it('names the real zoo and measures it with the frozen recipe through pooled features', () => {
    expect(parseBuildTruthArgs(['--zoo', 'real']).zooDir).toBe(resolve(TRUTH_ZOOS.real));
    expect(FROZEN_TRUTH_RECIPE.mode).toBe('frozen');
    const spec = truthSweepSpec(
      {
        name: 'real-zoo',
        trainUri: 'file:///z/train.safetensors',
        validationUri: 'file:///z/validation.safetensors',
        testUri: 'file:///z/test.safetensors',
        normalisation: '[0,1]',
      },
      [{ id: 'cut', model: 'file:///z/m/model.json', featureLayer: 'block_6', featurePooling: 'average' }],
      FROZEN_TRUTH_RECIPE,
      TRUTH_SEEDS[0],
    );
    expect(spec.mode).toBe('frozen');
    expect(spec.candidates[0]).toMatchObject({ featureLayer: 'block_6', featurePooling: 'average' });
    expect(spec.training.stopping?.patience).toBe(FROZEN_TRUTH_RECIPE.patience);
    expect(spec.training.epochs).toBe(FROZEN_TRUTH_RECIPE.maxEpochs);
  });
});
