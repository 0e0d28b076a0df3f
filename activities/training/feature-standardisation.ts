/**
 * Standardisation of frozen features before the probe (`frozen` mode): per feature dimension, the mean and
 * standard deviation of the training split's rows, applied to every row (training, validation and test
 * alike). Backbones whose pooled features mix dimensions of magnitude 100 with dimensions of magnitude 0.05
 * (face embeddings, detector heads) otherwise collapse a glorot-initialised probe to chance, which then
 * measures the optimiser rather than the features. The cached features stay raw (their cache keys and
 * LogME, which the reference computes on raw features, are unchanged); this is one pass over them per run.
 */
import type { FrozenFeatures } from './feature-cache.js';

/** Per-dimension statistics of the training split. */
export interface FeatureStatistics {
  /** Mean per dimension. */
  mean: Float64Array;
  /** Population standard deviation per dimension. */
  std: Float64Array;
  /** Factor per dimension: 1/std, or 0 where the dimension is constant on the training split. */
  scale: Float64Array;
}

/**
 * A dimension counts as constant when its std is at most this fraction of max(1, |mean|): its values are
 * then set to 0 everywhere (it carries nothing the training split can teach, and dividing a validation
 * row's float noise by ~0 would blow it up).
 */
export const CONSTANT_DIMENSION_TOLERANCE = 1e-6;

/**
 * The mean, std and scale per dimension of the rows of `trainIndices` (dataset indices, rows via
 * `frozen.rowOf`), in float64, two passes.
 * @throws Error when a training index has no cached row.
 */
export function trainingStatistics(
  frozen: Pick<FrozenFeatures, 'features' | 'featureDim' | 'rowOf'>,
  trainIndices: readonly number[],
): FeatureStatistics {
  const { features, featureDim: d, rowOf } = frozen;
  const rows = trainIndices.map((index) => {
    const row = rowOf.get(index);
    if (row === undefined) throw new Error(`no cached feature for training sample ${index}`);
    return row;
  });
  const mean = new Float64Array(d);
  const std = new Float64Array(d);
  const scale = new Float64Array(d);
  if (rows.length === 0) return { mean, std, scale: scale.fill(1) };
  for (const row of rows) for (let j = 0; j < d; j++) mean[j]! += features[row * d + j]!;
  for (let j = 0; j < d; j++) mean[j]! /= rows.length;
  for (const row of rows) {
    for (let j = 0; j < d; j++) {
      const delta = features[row * d + j]! - mean[j]!;
      std[j]! += delta * delta;
    }
  }
  for (let j = 0; j < d; j++) {
    std[j] = Math.sqrt(std[j]! / rows.length);
    const constant = std[j]! <= CONSTANT_DIMENSION_TOLERANCE * Math.max(1, Math.abs(mean[j]!));
    scale[j] = constant ? 0 : 1 / std[j]!;
  }
  return { mean, std, scale };
}

/** `features` (row-major, `featureDim` wide) standardised with `stats`: a new array, the input untouched. */
export function standardiseRows(features: Float32Array, stats: FeatureStatistics): Float32Array {
  const d = stats.mean.length;
  const out = new Float32Array(features.length);
  for (let i = 0; i < features.length; i += d) {
    for (let j = 0; j < d; j++) out[i + j] = (features[i + j]! - stats.mean[j]!) * stats.scale[j]!;
  }
  return out;
}

/** `frozen` with its features standardised by `stats` (the cache key and rows unchanged). */
export function standardisedFeatures(frozen: FrozenFeatures, stats: FeatureStatistics): FrozenFeatures {
  if (stats.mean.length !== frozen.featureDim)
    throw new Error(`feature statistics are ${stats.mean.length} wide, the features ${frozen.featureDim}`);
  return { ...frozen, features: standardiseRows(frozen.features, stats) };
}
