/**
 * A finished sweep as benchmark rows: per candidate its features inside an early window (in epochs, ¼
 * epoch and up) and the samples that window processed. What `npm run bench:selection` joins with the
 * ground truth and hands to `benchmarkSelection` (selection/evaluate.ts). Reads the store only.
 */
import { extractFeatures } from '../selection/features.js';
import type { CandidateRow } from '../selection/predictor.js';
import { loadCandidateEvidence } from '../selection/sweep-evidence.js';
import type { ArtifactStore } from '../store/artifact-store.js';
import { readStoredSpec } from '../sweep/stored-spec.js';
import { mapLimit } from '../sweep/map-limit.js';
import { ArtifactNotFoundError } from '../store/errors.js';

export interface SweepFeatureRow extends CandidateRow {
  /** Training samples processed inside the window (for the compute fraction). */
  earlySamples: number;
  /** The window actually observed, in optimizer steps. */
  windowSteps: number;
}

export interface SweepFeatureRowsOptions {
  /** Early window in epochs (fractions allowed, e.g. 0.25). @default the sweep's whole early run */
  windowEpochs?: number;
  /** Steps at which the learning curve is extrapolated, as a multiple of the window. @default 10 */
  horizonFactor?: number;
  /** Candidates read at once. @default 4 */
  concurrency?: number;
}

/**
 * Rows of every candidate of `sweepId` with a result.json (others are left out and listed in `missing`).
 * @throws Error when the sweep has no spec.json in the store.
 */
export async function sweepFeatureRows(
  store: ArtifactStore,
  sweepId: string,
  options: SweepFeatureRowsOptions = {},
): Promise<{ rows: SweepFeatureRow[]; missing: string[] }> {
  const stored = await readStoredSpec(store, sweepId);
  if (!stored) throw new Error(`sweep ${sweepId} has no spec.json in ${store.uri}`);
  const { spec } = stored;
  const missing: string[] = [];
  const loaded = await mapLimit(spec.candidates, options.concurrency ?? 4, async (candidate) => {
    try {
      return await loadCandidateEvidence(store, sweepId, candidate.id, spec.selection);
    } catch (error) {
      if (!(error instanceof ArtifactNotFoundError)) throw error;
      missing.push(candidate.id);
      return null;
    }
  });
  const rows = loaded.flatMap((entry) => {
    if (!entry) return [];
    const { result, evidence } = entry;
    const spe = evidence.stepsPerEpoch;
    const windowSteps = Math.min(
      result.training.totalSteps,
      options.windowEpochs === undefined
        ? result.training.totalSteps
        : Math.round(options.windowEpochs * spe),
    );
    const fullEpochs = Math.floor(windowSteps / spe);
    const earlySamples =
      fullEpochs * evidence.trainSamples + (windowSteps - fullEpochs * spe) * result.training.batchSize;
    return [
      {
        candidateId: result.candidateId,
        features: extractFeatures(evidence, {
          maxStep: windowSteps,
          horizonStep: (options.horizonFactor ?? 10) * windowSteps,
        }),
        earlySamples,
        windowSteps,
      },
    ];
  });
  return { rows, missing };
}
