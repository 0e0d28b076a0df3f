import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseBuildZooArgs } from '../../../../zoos/fashion/args.js';
import { meanAndStd, type GroundTruth, type ManifestCandidate } from '../../../../zoos/fashion/manifest.js';
import { DEFAULT_TRUTH_RECIPE } from '../../../../bench/truth/ground-truth.js';
import { spreadCheck, zooTable } from '../../../../zoos/fashion/summary.js';

function candidate(id: string, accuracies: number[] | undefined): ManifestCandidate {
  const groundTruth: GroundTruth | undefined = accuracies && {
    accuracyMean: meanAndStd(accuracies).mean,
    accuracyStd: meanAndStd(accuracies).std,
    samplesProcessedMean: 100,
    seeds: accuracies.map((_, i) => i + 1),
    recipe: DEFAULT_TRUTH_RECIPE,
    runs: accuracies.map((testAccuracy, i) => ({
      seed: i + 1,
      testAccuracy,
      validationAccuracy: testAccuracy,
      bestEpoch: 1,
      epochsRun: 4,
      stoppedBy: 'plateau' as const,
      samplesProcessed: 100,
      curve: [],
      sweepId: 's',
      backend: 'cpu',
      seconds: 1,
    })),
    cacheKey: 'k',
  };
  return {
    id,
    architecture: 'mlp',
    width: 1,
    params: 10,
    sourceAccuracy: 0.5,
    seed: 1,
    pretrainEpochs: 1,
    modelPath: `models/${id}/model.json`,
    featureLayer: 'features',
    featureWidth: 1,
    inputShape: [28, 28, 1],
    cacheKey: 'c',
    ...(groundTruth ? { groundTruth } : {}),
  };
}

describe('meanAndStd', () => {
  it('gives the sample standard deviation (n − 1), 0 for one value', () => {
    expect(meanAndStd([0.5])).toEqual({ mean: 0.5, std: 0 });
    const { mean, std } = meanAndStd([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(mean).toBe(5);
    expect(std).toBeCloseTo(Math.sqrt(32 / 7), 12);
  });

  it('agrees with a one-pass (Welford) computation', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 2, maxLength: 20 }),
        (values) => {
          let n = 0;
          let mean = 0;
          let m2 = 0;
          for (const v of values) {
            n++;
            const delta = v - mean;
            mean += delta / n;
            m2 += delta * (v - mean);
          }
          const result = meanAndStd(values);
          expect(result.mean).toBeCloseTo(mean, 10);
          expect(result.std).toBeCloseTo(Math.sqrt(m2 / (n - 1)), 10);
        },
      ),
    );
  });
});

describe('spreadCheck', () => {
  it('compares the range of means with the rms of the stds and counts separated pairs', () => {
    // Means 0.6, 0.8, 0.81 with stds √2·0.01 each (two runs ±0.01 around the mean).
    const check = spreadCheck([
      candidate('a', [0.59, 0.61]),
      candidate('b', [0.79, 0.81]),
      candidate('c', [0.8, 0.82]),
      candidate('no-truth', undefined),
    ]);
    const std = Math.SQRT2 * 0.01;
    expect(check.spread).toBeCloseTo(0.21, 12);
    expect(check.seedNoise).toBeCloseTo(std, 12);
    expect(check.ratio).toBeCloseTo(0.21 / std, 9);
    // a–b and a–c differ by ≫ 2·std; b–c by 0.01 < 2·std.
    expect(check).toMatchObject({ separatedPairs: 2, pairs: 3 });
  });

  it('is unchanged by reordering and reports an infinite ratio without noise', () => {
    const list = [candidate('a', [0.5, 0.5]), candidate('b', [0.7, 0.7]), candidate('c', [0.6, 0.6])];
    expect(spreadCheck([...list].reverse())).toEqual(spreadCheck(list));
    expect(spreadCheck(list).ratio).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('zooTable', () => {
  it('has a header and one aligned row per candidate', () => {
    const lines = zooTable([candidate('alpha', [0.8, 0.9]), candidate('b', undefined)]).split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^alpha\s+mlp\s+10\s+50\.00%\s+85\.00 ± 7\.07% \(n=2\)$/);
    expect(lines[2]).toMatch(/—$/);
    expect(lines[0]?.indexOf('architecture')).toBe(lines[1]?.indexOf('mlp'));
  });
});

describe('parseBuildZooArgs', () => {
  it('defaults to the shipped zoo, and keeps the quick zoo out of it', () => {
    expect(parseBuildZooArgs([])).toMatchObject({ out: 'zoos/demo-zoo', plan: 'full', force: false });
    expect(parseBuildZooArgs(['--quick'])).toMatchObject({ out: '.ncap/demo-zoo-quick', plan: 'quick' });
    expect(parseBuildZooArgs(['--plan', 'reversed'])).toMatchObject({
      out: 'zoos/reversed-zoo',
      plan: 'reversed',
    });
    expect(parseBuildZooArgs(['--quick', '--out', 'x', '--data-dir', 'd', '--force'])).toMatchObject({
      out: 'x',
      dataDir: 'd',
      force: true,
    });
  });

  it('rejects unknown options and positionals', () => {
    expect(() => parseBuildZooArgs(['--qiuck'])).toThrow();
    expect(() => parseBuildZooArgs(['zoo'])).toThrow();
    expect(() => parseBuildZooArgs(['--plan', 'revresed'])).toThrow(
      /--plan must be one of full, quick, reversed/,
    );
    expect(() => parseBuildZooArgs(['--plan', 'full', '--quick'])).toThrow(/contradicts/);
  });
});
