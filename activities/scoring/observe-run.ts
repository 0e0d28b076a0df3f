/**
 * Records a finished candidate's final accuracy obtained elsewhere (`ncap observe`): reads the candidate's
 * early-run evidence from its sweep, extracts the features of the sweep's whole early window, and stores
 * an observed run under the sweep's dataset. Later sweeps of the dataset learn from it.
 */
import { extractFeatures } from '../selection/features.js';
import {
  datasetKeyOf,
  observedRunSetup,
  parseObservedRun,
  writeObservedRun,
  type ObservedRun,
} from '../selection/observed-runs.js';
import { loadCandidateEvidence } from '../selection/sweep-evidence.js';
import type { ArtifactStore } from '../store/artifact-store.js';
import { readStoredSpec } from '../sweep/stored-spec.js';

/** The sweep or candidate to observe is not in the store. */
export class ObserveTargetError extends Error {
  override name = 'ObserveTargetError';
}

export async function observeRun(input: {
  store: ArtifactStore;
  sweepId: string;
  candidateId: string;
  /** Final accuracy in [0, 1]. */
  finalAccuracy: number;
  now?: () => Date;
}): Promise<{ key: string; run: ObservedRun }> {
  const { store, sweepId, candidateId } = input;
  const stored = await readStoredSpec(store, sweepId);
  if (!stored)
    throw new ObserveTargetError(`sweep ${sweepId} has no spec.json in ${store.uri}; pass --store`);
  if (!stored.spec.candidates.some((c) => c.id === candidateId))
    throw new ObserveTargetError(
      `candidate '${candidateId}' is not in sweep ${sweepId} (candidates: ${stored.spec.candidates.map((c) => c.id).join(', ')})`,
    );
  let loaded: Awaited<ReturnType<typeof loadCandidateEvidence>>;
  try {
    loaded = await loadCandidateEvidence(store, sweepId, candidateId, stored.spec.selection);
  } catch (error) {
    throw new ObserveTargetError(
      `candidate '${candidateId}' of sweep ${sweepId} has no readable early run (${(error as Error).message}); it must have finished`,
      { cause: error },
    );
  }
  const run = parseObservedRun(
    {
      version: 1,
      sweepId,
      candidateId,
      datasetKey: datasetKeyOf(stored.spec.dataset),
      setup: observedRunSetup(stored.spec),
      features: extractFeatures(loaded.evidence),
      finalAccuracy: input.finalAccuracy,
      source: 'observe',
      recordedAt: (input.now?.() ?? new Date()).toISOString(),
    },
    `${sweepId}/${candidateId}`,
  );
  return { key: await writeObservedRun(store, run), run };
}
