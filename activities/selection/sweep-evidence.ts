/**
 * Reads a finished candidate's evidence from the store: its `result.json` and β_eff (and β̃) of every
 * stored snapshot under the sweep's scoring settings. What the reduce step, `ncap observe` and the
 * benchmark all start from.
 */
import { computeBetaEff } from '../capacitance/beta-eff.js';
import type { InteractionModelName } from '../capacitance/interaction-models.js';
import { decodeSnapshot } from '../capacitance/snapshot.js';
import type { ArtifactStore } from '../store/artifact-store.js';
import { sweepKeys } from '../store/keys.js';
import type { CandidateResult } from '../training/types.js';
import { mapLimit } from '../sweep/map-limit.js';
import { betaScaleFree } from './beta-scale-free.js';
import { evidenceFromResult, type CandidateEvidence, type EvidenceBetaPoint } from './features.js';

/** The scoring settings that define β_eff. */
export interface BetaSettings {
  interactionModel: InteractionModelName;
  skipInputProjection: boolean;
}

/** β_eff and β̃ per stored snapshot of one candidate, ascending by step. */
export async function betaTrajectory(
  store: ArtifactStore,
  sweepId: string,
  candidateId: string,
  settings: BetaSettings,
  concurrency = 8,
): Promise<EvidenceBetaPoint[]> {
  const keys: string[] = [];
  for await (const object of store.list(sweepKeys(sweepId).candidate(candidateId).snapshotsPrefix)) {
    if (object.key.endsWith('.safetensors')) keys.push(object.key);
  }
  keys.sort();
  const points = await mapLimit(keys, concurrency, async (key) => {
    const snapshot = decodeSnapshot(await store.get(key));
    const result = computeBetaEff(snapshot.kernels, {
      model: settings.interactionModel,
      skipInputProjection: settings.skipInputProjection,
      // Batch statistics recorded with the snapshot (probe.recordBatchStats), for activity-dependent models.
      stats: snapshot.extra,
    });
    return {
      step: snapshot.metadata.step,
      epoch: snapshot.metadata.epoch,
      betaEff: result.betaEff,
      betaScaleFree: betaScaleFree(result),
    };
  });
  return points.sort((a, b) => a.step - b.step);
}

/** `result.json` of a candidate, parsed. @throws ArtifactNotFoundError, SyntaxError */
export async function readResultJson(store: ArtifactStore, key: string): Promise<CandidateResult> {
  return JSON.parse(Buffer.from(await store.get(key)).toString('utf8')) as CandidateResult;
}

/** A candidate's result and evidence. */
export async function loadCandidateEvidence(
  store: ArtifactStore,
  sweepId: string,
  candidateId: string,
  settings: BetaSettings,
  options: { resultKey?: string; concurrency?: number } = {},
): Promise<{ result: CandidateResult; evidence: CandidateEvidence }> {
  const result = await readResultJson(
    store,
    options.resultKey ?? sweepKeys(sweepId).candidate(candidateId).result,
  );
  const beta = await betaTrajectory(store, sweepId, candidateId, settings, options.concurrency);
  return { result, evidence: evidenceFromResult(result, beta) };
}
