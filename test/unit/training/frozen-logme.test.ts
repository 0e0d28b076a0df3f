import { describe, expect, it } from 'vitest';
import { logme } from '../../../activities/selection/logme.js';
import type { FrozenFeatures } from '../../../activities/training/feature-cache.js';
import { frozenLogme } from '../../../activities/training/frozen-logme.js';
import { mulberry32 } from '../../../activities/training/rng.js';

/** Cached features of dataset indices 10, 11, … (rows in that order), random in [0, 1). */
function frozenOf(n: number, d: number, seed: number): FrozenFeatures {
  const random = mulberry32(seed);
  return {
    features: Float32Array.from({ length: n * d }, () => random()),
    featureDim: d,
    rowOf: new Map(Array.from({ length: n }, (_, row) => [10 + row, row])),
    cacheKey: 'features/test/rows.safetensors',
    fromCache: true,
  };
}

describe('frozenLogme', () => {
  it('records LogME of the training rows, in the split order, with no note', async () => {
    const frozen = frozenOf(40, 6, 1);
    const labels = Array.from({ length: 50 }, (_, i) => i % 3);
    const train = [25, 12, 40, 31, 18, 44, 10, 37, 29, 15, 22, 48, 33, 11, 20];
    const rows = train.flatMap((index) =>
      Array.from(frozen.features.subarray((index - 10) * 6, (index - 9) * 6)),
    );
    const result = await frozenLogme(frozen, train, labels);
    expect(result.note).toBeUndefined();
    expect(result.logme).toBeCloseTo(
      logme(
        rows,
        train.length,
        6,
        train.map((i) => labels[i]!),
      ),
      12,
    );
  });

  it('says why instead of a silent null: non-finite features, too few samples', async () => {
    const frozen = frozenOf(20, 4, 2);
    frozen.features[4 * 3 + 1] = Number.NaN;
    const labels = Array.from({ length: 30 }, (_, i) => i % 2);
    const train = Array.from({ length: 20 }, (_, i) => 10 + i);
    const bad = await frozenLogme(frozen, train, labels);
    expect(bad.logme).toBeNull();
    expect(bad.note).toMatch(/feature value 13 is not finite/);
    const single = await frozenLogme(frozenOf(20, 4, 3), [10], labels);
    expect(single).toEqual({ logme: null, note: expect.stringMatching(/at least 2 training samples.*N=1/) });
  });
});
