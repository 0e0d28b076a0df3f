import { beforeAll, describe, expect, it } from 'vitest';
import { trainProbeToPlateau, type FeatureSplit } from '../../../scripts/real-zoo/frozen-ground-truth.js';
import { seededRandom, tf, useCpuBackend } from '../training/helpers.js';

beforeAll(() => useCpuBackend());

const DIM = 5;
/** Two Gaussian blobs (class 1 shifted by +1.5 on every axis); `shuffleLabels` destroys the signal. */
function blobs(n: number, seed: number, shuffleLabels = false): FeatureSplit {
  const random = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const x = new Float32Array(n * DIM);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 2;
    for (let d = 0; d < DIM; d++) x[i * DIM + d] = gauss() + 1.5 * (i % 2);
    if (shuffleLabels) y[i] = random() < 0.5 ? 0 : 1;
  }
  return { x, y };
}

const recipe = { probeWidths: [8, 4], learningRate: 0.01, batchSize: 16, maxEpochs: 40, patience: 5 };

describe('trainProbeToPlateau', () => {
  it('learns separable features, stops on the plateau and is reproducible per seed', async () => {
    const data = { train: blobs(80, 1), validation: blobs(40, 2), test: blobs(80, 3) };
    const options = { ...data, featureDim: DIM, numClasses: 2, recipe };
    const run = await trainProbeToPlateau(tf, { ...options, seed: 7 });
    expect(run.testAccuracy).toBeGreaterThan(0.85);
    expect(run.validationCurve).toHaveLength(run.epochsRun);
    expect(Math.max(...run.validationCurve)).toBe(run.validationAccuracy);
    expect(run.validationCurve.indexOf(run.validationAccuracy)).toBe(run.bestEpoch - 1);
    // Stopped by patience (or the epoch cap), never before.
    expect(run.epochsRun === run.bestEpoch + recipe.patience || run.epochsRun === recipe.maxEpochs).toBe(
      true,
    );
    expect(run.samplesProcessed).toBe(run.epochsRun * 80);
    expect(await trainProbeToPlateau(tf, { ...options, seed: 7 })).toEqual(run);
    const other = await trainProbeToPlateau(tf, { ...options, seed: 8 });
    expect(other.validationCurve).not.toEqual(run.validationCurve);
  });

  it('stays near chance when the labels carry no signal', async () => {
    const run = await trainProbeToPlateau(tf, {
      train: blobs(80, 4, true),
      validation: blobs(40, 5, true),
      test: blobs(200, 6, true),
      featureDim: DIM,
      numClasses: 2,
      seed: 1,
      recipe,
    });
    expect(run.testAccuracy).toBeLessThan(0.65);
  });
});
