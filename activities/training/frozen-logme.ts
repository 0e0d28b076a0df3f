/**
 * LogME of a frozen backbone's features on the training split (frozen mode), recorded in result.json as
 * a zero-training baseline for the selection benchmark. Computed in a worker thread (`logmeOffThread`), so
 * the heartbeat keeps beating; skipped (null) when min(N, D) exceeds {@link MAX_LOGME_RANK}, as the
 * eigen-decomposition is O(min(N, D)³).
 */
import { logmeOffThread } from '../selection/logme-off-thread.js';
import type { FrozenFeatures } from './feature-cache.js';

/** Largest min(samples, feature width) LogME is computed for. */
export const MAX_LOGME_RANK = 2048;

export async function frozenLogme(
  frozen: FrozenFeatures,
  trainIndices: readonly number[],
  labels: ArrayLike<number>,
  signal?: AbortSignal,
): Promise<number | null> {
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
  const value = await logmeOffThread(
    { features: rows, samples: n, dims: d, labels: y },
    signal ? { signal } : {},
  );
  return Number.isFinite(value) ? value : null;
}
