/**
 * LogME of a frozen backbone's features on the training split (frozen mode), recorded in result.json as
 * a zero-training baseline for the selection benchmark. Computed in a worker thread (`logmeOffThread`), so
 * the heartbeat keeps beating; skipped (null) when min(N, D) exceeds {@link MAX_LOGME_RANK}, as the
 * eigen-decomposition is O(min(N, D)³). Whenever no value is recorded, `note` says why (result.json's
 * `selectionSignals.logmeNote`), so a candidate the LogME rule cannot score is explained, not silent.
 */
import { InvalidSeriesError } from '../capacitance/errors.js';
import { logmeOffThread } from '../selection/logme-off-thread.js';
import type { FrozenFeatures } from './feature-cache.js';

/** Largest min(samples, feature width) LogME is computed for. */
export const MAX_LOGME_RANK = 2048;

/** The recorded LogME, or null and why. */
export type FrozenLogme = { logme: number; note?: undefined } | { logme: null; note: string };

export async function frozenLogme(
  frozen: FrozenFeatures,
  trainIndices: readonly number[],
  labels: ArrayLike<number>,
  signal?: AbortSignal,
): Promise<FrozenLogme> {
  const n = trainIndices.length;
  const d = frozen.featureDim;
  if (n < 2 || d < 1)
    return { logme: null, note: `LogME needs at least 2 training samples and 1 feature, got N=${n}, D=${d}` };
  if (Math.min(n, d) > MAX_LOGME_RANK)
    return {
      logme: null,
      note: `LogME skipped: min(N=${n}, D=${d}) exceeds ${MAX_LOGME_RANK} (its eigen-decomposition is O(min(N, D)³))`,
    };
  const rows = new Float32Array(n * d);
  const y = new Int32Array(n);
  trainIndices.forEach((index, r) => {
    const row = frozen.rowOf.get(index)!;
    rows.set(frozen.features.subarray(row * d, row * d + d), r * d);
    y[r] = labels[index]!;
  });
  let value: number;
  try {
    value = await logmeOffThread(
      { features: rows, samples: n, dims: d, labels: y },
      signal ? { signal } : {},
    );
  } catch (error) {
    if (error instanceof InvalidSeriesError) return { logme: null, note: error.message };
    throw error;
  }
  return Number.isFinite(value)
    ? { logme: value }
    : { logme: null, note: `LogME came out ${value} on the ${n}×${d} training features` };
}
