import { describe, expect, it } from 'vitest';
import {
  standardisedFeatures,
  trainingStatistics,
} from '../../../activities/training/feature-standardisation.js';
import type { FrozenFeatures } from '../../../activities/training/feature-cache.js';
import { resolveTrainingInput } from '../../../activities/training/resolve-input.js';
import { trainingFingerprint } from '../../../activities/training/training-fingerprint.js';
import type { CandidateTrainingInput } from '../../../activities/training/types.js';
import { createHash } from 'node:crypto';
import { validateSweepSpec } from '../../../activities/spec/sweep-spec.js';
import { canonicalJson } from '../../../activities/sweep/stored-spec.js';
import { earlySweepSpec } from '../../../bench/selection/early-sweeps.js';
import { DEFAULT_TRUTH_RECIPE, FROZEN_TRUTH_RECIPE } from '../../../bench/truth/ground-truth.js';
import { specSweepId } from '../../../scripts/sweeps/run-spec.js';
import { seededRandom } from './helpers.js';

/** Row-major features of `rows` (arrays), dataset index i at row n-1-i (rows need not follow indices). */
function frozenOf(rows: number[][]): FrozenFeatures {
  const d = rows[0]!.length;
  const n = rows.length;
  const features = new Float32Array(n * d);
  const rowOf = new Map<number, number>();
  rows.forEach((values, index) => {
    const row = n - 1 - index;
    rowOf.set(index, row);
    features.set(values, row * d);
  });
  return { features, featureDim: d, rowOf, cacheKey: 'features/x/rows.safetensors', fromCache: true };
}

/** Oracle: mean and population std of column j over `take`, by a plain textbook formula. */
function columnStats(rows: number[][], take: number[], j: number): { mean: number; std: number } {
  const column = take.map((i) => rows[i]![j]!);
  const mean = column.reduce((a, b) => a + b, 0) / column.length;
  const variance = column.reduce((a, b) => a + (b - mean) ** 2, 0) / column.length;
  return { mean, std: Math.sqrt(variance) };
}

describe('frozen-feature standardisation', () => {
  const random = seededRandom(5);
  // 40 samples × 5 dims: dims of very different magnitudes and offsets; dim 3 constant on the training
  // split. The validation rows (30–39) are shifted and scaled far away, so statistics that included
  // them would differ from the oracle.
  const scales = [100, 0.05, 3, 0, 40];
  const offsets = [1000, -0.2, 7, 12.5, -300];
  const rows = Array.from({ length: 40 }, (_, i) =>
    scales.map((s, j) => {
      const shift = i >= 30 ? 500 : 0;
      // float32 values, as the cache holds them, so the oracle sees what the code sees
      return Math.fround(j === 3 && i < 30 ? offsets[j]! : offsets[j]! + s * (random() * 2 - 1) + shift);
    }),
  );
  const train = Array.from({ length: 30 }, (_, i) => i).filter((i) => i % 7 !== 0);
  const validation = Array.from({ length: 10 }, (_, i) => 30 + i);
  const frozen = frozenOf(rows);

  it('uses the training split only, and gives validation rows the training statistics', () => {
    const stats = trainingStatistics(frozen, train);
    const out = standardisedFeatures(frozen, stats);
    for (const j of [0, 1, 2, 4]) {
      const { mean, std } = columnStats(rows, train, j);
      expect(stats.mean[j]! / mean).toBeCloseTo(1, 9);
      expect(stats.std[j]! / std).toBeCloseTo(1, 9);
      for (const i of [...train, ...validation, 0, 7]) {
        const row = frozen.rowOf.get(i)!;
        const expected = (rows[i]![j]! - mean) / std;
        const actual = out.features[row * 5 + j]!;
        expect(Math.abs(actual - expected)).toBeLessThan(1e-5 * Math.max(1, Math.abs(expected)));
      }
    }
    // The training rows come out with mean 0 and std 1 per dimension.
    const trainRows = train.map((i) =>
      Array.from(out.features.subarray(frozen.rowOf.get(i)! * 5, frozen.rowOf.get(i)! * 5 + 5)),
    );
    for (const j of [0, 1, 2, 4]) {
      const { mean, std } = columnStats(
        trainRows,
        train.map((_, k) => k),
        j,
      );
      expect(mean).toBeCloseTo(0, 5);
      expect(std).toBeCloseTo(1, 4);
    }
    // The cached (raw) features are untouched.
    expect(frozen.features[frozen.rowOf.get(0)! * 5]).toBe(rows[0]![0]);
    expect(out.cacheKey).toBe(frozen.cacheKey);
  });

  it('sets a dimension constant on the training split to 0 everywhere, validation rows included', () => {
    const stats = trainingStatistics(frozen, train);
    expect(stats.std[3]).toBe(0);
    const out = standardisedFeatures(frozen, stats);
    for (let i = 0; i < 40; i++) {
      const value = out.features[frozen.rowOf.get(i)! * 5 + 3]!;
      expect(Number.isFinite(value)).toBe(true);
      expect(value).toBe(0);
    }
  });

  it('is deterministic and refuses statistics of another width', () => {
    const a = standardisedFeatures(frozen, trainingStatistics(frozen, train));
    const b = standardisedFeatures(frozen, trainingStatistics(frozen, [...train].reverse()));
    expect(Array.from(b.features)).toEqual(Array.from(a.features));
    const narrow = trainingStatistics(frozenOf(rows.map((r) => r.slice(0, 4))), train);
    expect(() => standardisedFeatures(frozen, narrow)).toThrow(/4 wide, the features 5/);
  });
});

describe('probe.standardiseFeatures', () => {
  const base: CandidateTrainingInput = {
    sweepId: 's1',
    candidateId: 'c1',
    model: { uri: 'file:///zoo/m/model.json' },
    dataset: { uri: 's3://bucket/data.safetensors' },
  };
  const frozen = { ...base, mode: 'frozen' as const };

  it('is on by default in frozen mode, off in finetune mode, and can be turned off', () => {
    expect(resolveTrainingInput(frozen).standardiseFeatures).toBe(true);
    expect(resolveTrainingInput(base).standardiseFeatures).toBe(false);
    expect(resolveTrainingInput({ ...base, probe: { standardiseFeatures: true } }).standardiseFeatures).toBe(
      false,
    );
    expect(
      resolveTrainingInput({ ...frozen, probe: { standardiseFeatures: false } }).standardiseFeatures,
    ).toBe(false);
  });

  it('changes the checkpoint identity only of a frozen run that standardises', () => {
    const fingerprint = (input: CandidateTrainingInput) =>
      trainingFingerprint(resolveTrainingInput(input), 'w', 'layer');
    const raw = fingerprint({ ...frozen, probe: { standardiseFeatures: false } });
    expect(fingerprint(frozen)).not.toBe(raw);
    // The field itself is not hashed: finetune runs keep their identity whatever it says.
    expect(fingerprint({ ...base, probe: { standardiseFeatures: true } })).toBe(fingerprint(base));
  });
});

describe('sweep ids with probe.standardiseFeatures', () => {
  const specOf = (mode: 'finetune' | 'frozen', probe: Record<string, unknown> = {}) =>
    validateSweepSpec({
      name: 'ids',
      dataset: { uri: 's3://bucket/data.safetensors' },
      candidates: [{ id: 'c1', model: 'file:///zoo/m/model.json' }],
      mode,
      probe,
    });
  // The id a spec had before the field existed: its name and the hash of the validated spec.
  const formerId = (spec: ReturnType<typeof specOf>) =>
    `ids-${createHash('sha256').update(canonicalJson(spec)).digest('hex').slice(0, 10)}`;

  it('keeps every finetune and raw-feature spec’s id; a standardising frozen spec gets a new one', () => {
    const finetune = specOf('finetune');
    expect(finetune.probe).not.toHaveProperty('standardiseFeatures');
    expect(specSweepId(finetune)).toBe(formerId(finetune));
    const raw = specOf('frozen', { standardiseFeatures: false });
    expect(specSweepId(raw)).toBe(formerId(raw));
    const frozen = specOf('frozen');
    expect(specSweepId(frozen)).not.toBe(formerId(frozen));
    // Unset and written out are the same computation, so the same sweep.
    expect(specSweepId(frozen)).toBe(specSweepId(specOf('frozen', { standardiseFeatures: true })));
  });

  it('gives the benchmark’s frozen early runs and ground truths new ids, the finetune ones their old', () => {
    const task = {
      name: 'toy',
      trainUri: 'file:///tmp/train.safetensors',
      validationUri: 'file:///tmp/validation.safetensors',
      trainSamples: 600,
      normalisation: '[0,1]' as const,
      batchSize: 64,
      learningRate: 1e-3,
      probeWidths: [256, 128, 64],
      candidates: [{ id: 'c1', model: 'file:///zoo/m/model.json' }],
    };
    expect(earlySweepSpec({ ...task, mode: 'frozen' }, 'trainable').probe.standardiseFeatures).toBe(true);
    expect(earlySweepSpec({ ...task, mode: 'finetune' }, 'trainable').probe).not.toHaveProperty(
      'standardiseFeatures',
    );
    expect(FROZEN_TRUTH_RECIPE.probe.standardiseFeatures).toBe(true);
    expect(DEFAULT_TRUTH_RECIPE.probe).not.toHaveProperty('standardiseFeatures');
  });
});
