import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CandidateResult } from '../../../activities/training/types.js';
import {
  parseBuildTruthArgs,
  summariseTruth,
  truthCacheKey,
  TRUTH_ZOOS,
} from '../../../bench/truth/build-truth.js';
import {
  DEFAULT_TRUTH_RECIPE,
  groundTruthRun,
  TRUTH_SEEDS,
  truthSweepSpec,
} from '../../../bench/truth/ground-truth.js';
import type { GroundTruthRun, ManifestCandidate } from '../../../zoos/fashion/manifest.js';

const run = (seed: number, testAccuracy: number, samplesProcessed = 300): GroundTruthRun => ({
  seed,
  testAccuracy,
  validationAccuracy: testAccuracy,
  bestEpoch: 2,
  epochsRun: 5,
  stoppedBy: 'plateau',
  samplesProcessed,
  curve: [],
  sweepId: 's',
  backend: 'cpu',
  seconds: 1,
});

const task = {
  name: 'demo-zoo',
  trainUri: 'file:///z/train.safetensors',
  validationUri: 'file:///z/validation.safetensors',
  testUri: 'file:///z/test.safetensors',
  normalisation: '[0,1]' as const,
};

describe('ground-truth builder', () => {
  it('parses its options, naming the bad one', () => {
    expect(parseBuildTruthArgs(['--build-truth'])).toMatchObject({
      zooDir: resolve(TRUTH_ZOOS.demo),
      seeds: [...TRUTH_SEEDS],
      parallel: 1,
      readme: false,
    });
    expect(parseBuildTruthArgs(['--zoo', 'reversed', '--seeds', '7,8', '--candidates', 'a,b'])).toMatchObject(
      {
        zooDir: resolve(TRUTH_ZOOS.reversed),
        seeds: [7, 8],
        candidates: ['a', 'b'],
      },
    );
    expect(() => parseBuildTruthArgs(['--seeds', '1,x'])).toThrow(/--seeds/);
    expect(() => parseBuildTruthArgs(['--parallel', '0'])).toThrow(/--parallel/);
    expect(() => parseBuildTruthArgs(['--zooo', 'demo'])).toThrow();
  });

  it('keeps the ground-truth seeds away from the early runs’ default seed', () => {
    expect(TRUTH_SEEDS).not.toContain(0);
    expect(new Set(TRUTH_SEEDS).size).toBe(TRUTH_SEEDS.length);
  });

  it('summarises runs in seed order: mean, sample std, samples', () => {
    const truth = summariseTruth([run(3, 0.7, 500), run(1, 0.9, 100)], [1, 2, 3], DEFAULT_TRUTH_RECIPE, 'k');
    expect(truth?.seeds).toEqual([1, 3]);
    expect(truth?.accuracyMean).toBeCloseTo(0.8, 12);
    expect(truth?.accuracyStd).toBeCloseTo(Math.abs(0.9 - 0.7) / Math.SQRT2, 12);
    expect(truth?.samplesProcessedMean).toBe(300);
    expect(summariseTruth([], [1], DEFAULT_TRUTH_RECIPE, 'k')).toBeUndefined();
  });

  it('ties runs to the model and the recipe', () => {
    const c = { cacheKey: 'model-a' } as ManifestCandidate;
    expect(truthCacheKey(c, DEFAULT_TRUTH_RECIPE)).toBe(truthCacheKey({ ...c }, { ...DEFAULT_TRUTH_RECIPE }));
    expect(truthCacheKey(c, { ...DEFAULT_TRUTH_RECIPE, patience: 4 })).not.toBe(
      truthCacheKey(c, DEFAULT_TRUTH_RECIPE),
    );
    expect(truthCacheKey({ cacheKey: 'model-b' } as ManifestCandidate, DEFAULT_TRUTH_RECIPE)).not.toBe(
      truthCacheKey(c, DEFAULT_TRUTH_RECIPE),
    );
  });

  it('builds one full-training sweep per seed, with an id that follows its content only', () => {
    const candidates = [{ id: 'a', model: 'file:///z/a/model.json', featureLayer: 'features' }];
    const spec = truthSweepSpec(task, candidates, DEFAULT_TRUTH_RECIPE, 1001);
    expect(spec.training).toMatchObject({
      epochs: DEFAULT_TRUTH_RECIPE.maxEpochs,
      seed: 1001,
      stopping: { patience: DEFAULT_TRUTH_RECIPE.patience, minDelta: 0 },
      batchSize: DEFAULT_TRUTH_RECIPE.batchSize,
    });
    expect(spec.dataset).toMatchObject({ validationUri: task.validationUri, testUri: task.testUri });
    expect(spec.id).toMatch(/^truth-demo-zoo-s1001-[0-9a-f]{10}$/);
    expect(truthSweepSpec(task, candidates, DEFAULT_TRUTH_RECIPE, 1001, 3).id).toBe(spec.id);
    expect(truthSweepSpec(task, candidates, DEFAULT_TRUTH_RECIPE, 1002).id).not.toBe(spec.id);
    expect(
      truthSweepSpec(task, candidates, { ...DEFAULT_TRUTH_RECIPE, learningRate: 0.01 }, 1001).id,
    ).not.toBe(spec.id);
  });

  it('refuses a result.json that is not from a full-training run with a test set', () => {
    const partial = { sweepId: 's', candidateId: 'c', epochs: [] } as unknown as CandidateResult;
    expect(() => groundTruthRun(partial, 1)).toThrow(/s\/c: result.json has no fullTraining block/);
  });
});
