/**
 * LogME of a frozen backbone's features on the training split (frozen mode), recorded in result.json as
 * a zero-training baseline for the selection benchmark. Skipped (null) when min(N, D) exceeds
 * {@link MAX_LOGME_RANK}: the eigen-decomposition is O(min(N, D)³) and runs on the training thread.
 */
import { logme } from '../selection/logme.js';
import type { FrozenFeatures } from './feature-cache.js';

/** Largest min(samples, feature width) LogME is computed for. */
export const MAX_LOGME_RANK = 2048;

export function frozenLogme(
  frozen: FrozenFeatures,
  trainIndices: readonly number[],
  labels: ArrayLike<number>,
): number | null {
  const n = trainIndices.length;
  const d = frozen.featureDim;
  if (n < 2 || d < 1 || Math.min(n, d) > MAX_LOGME_RANK) return null;
  const rows = new Float32Array(n * d);
  const y = new Int32Array(n);
  trainIndices.forEach((index, r) => {
    const row = frozen.rowOf.get(index)!;
    rows.set(frozen.features.subarray(row * d, row * d + d), r * d);
    y[r] = labels[index]!;
  });
  const value = logme(rows, n, d, y);
  return Number.isFinite(value) ? value : null;
}
