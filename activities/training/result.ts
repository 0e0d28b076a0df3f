/**
 * The per-candidate `result.json`: a small summary that crosses Temporal (kept well under 64 KB: the
 * snapshot count is bounded by MAX_SNAPSHOTS and β_eff values are rounded to 7 significant digits).
 */
import type { ArtifactStore } from '../store/artifact-store.js';
import { ResultTooLargeError } from './errors.js';
import type { CandidateResult } from './types.js';

/** Hard limit on the serialised result, in bytes. */
export const MAX_RESULT_BYTES = 64 * 1024;

/** Rounds to 7 significant digits (float32 precision), keeping null. */
export const roundSignificant = (v: number | null): number | null =>
  v === null || !Number.isFinite(v) ? null : Number(v.toPrecision(7));

/** Serialises the result, dropping the per-snapshot β_eff list if it alone would break the size limit. */
export function serialiseResult(result: CandidateResult): string {
  const rounded: CandidateResult = {
    ...result,
    snapshots: { ...result.snapshots, betaEff: result.snapshots.betaEff.map(roundSignificant) },
  };
  let text = JSON.stringify(rounded);
  if (Buffer.byteLength(text) > MAX_RESULT_BYTES) {
    text = JSON.stringify({ ...rounded, snapshots: { ...rounded.snapshots, betaEff: [] } });
  }
  if (Buffer.byteLength(text) > MAX_RESULT_BYTES) {
    throw new ResultTooLargeError(
      `result.json would be ${Buffer.byteLength(text)} bytes, over ${MAX_RESULT_BYTES}; raise training.snapshotEvery to write fewer snapshots`,
    );
  }
  return text;
}

/** Writes `result.json` and returns what was written (as parsed back, so the caller sees the rounding). */
export async function writeResult(
  store: ArtifactStore,
  key: string,
  result: CandidateResult,
): Promise<CandidateResult> {
  const text = serialiseResult(result);
  await store.put(key, text, { contentType: 'application/json' });
  return JSON.parse(text) as CandidateResult;
}
