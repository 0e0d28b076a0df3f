/**
 * Reads a finished candidate's evidence from the store: its `result.json` and β_eff (and β̃) of every
 * stored snapshot under the sweep's scoring settings. What the reduce step, `ncap observe` and the
 * benchmark all start from.
 */
import { createHash } from 'node:crypto';
import { computeBetaEff } from '../capacitance/beta-eff.js';
import type { InteractionModelName } from '../capacitance/interaction-models.js';
import { decodeSnapshot } from '../capacitance/snapshot.js';
import type { ArtifactStore } from '../store/artifact-store.js';
import { ArtifactIntegrityError } from '../store/errors.js';
import { sweepKeys } from '../store/keys.js';
import { readResultRecord } from '../training/result-record.js';
import type { CandidateResult } from '../training/types.js';
import { mapLimit } from '../sweep/map-limit.js';
import { betaScaleFree } from './beta-scale-free.js';
import { evidenceFromResult, type CandidateEvidence, type EvidenceBetaPoint } from './features.js';

/** Snapshots of one candidate read at once, unless a caller says otherwise. */
export const SNAPSHOT_READ_CONCURRENCY = 8;

/** The scoring settings that define β_eff. */
export interface BetaSettings {
  interactionModel: InteractionModelName;
  skipInputProjection: boolean;
}

/**
 * β_eff and β̃ per stored snapshot of one candidate, ascending by step. With `recorded` (the result's
 * snapshot list and the SHA-256 of each file as written) exactly those files are read and each is checked.
 * @throws ArtifactIntegrityError when a snapshot's bytes differ from the checksum recorded at write.
 */
export async function betaTrajectory(
  store: ArtifactStore,
  sweepId: string,
  candidateId: string,
  settings: BetaSettings,
  concurrency = SNAPSHOT_READ_CONCURRENCY,
  recorded?: CandidateResult['snapshots'],
): Promise<EvidenceBetaPoint[]> {
  const candidateKeys = sweepKeys(sweepId).candidate(candidateId);
  const expected = new Map<string, string>();
  if (recorded?.sha256 && recorded.sha256.length === recorded.steps.length) {
    recorded.steps.forEach((step, i) => expected.set(candidateKeys.snapshot(step), recorded.sha256![i]!));
  }
  const keys: string[] = [...expected.keys()];
  if (keys.length === 0) {
    for await (const object of store.list(candidateKeys.snapshotsPrefix)) {
      if (object.key.endsWith('.safetensors')) keys.push(object.key);
    }
  }
  keys.sort();
  const points = await mapLimit(keys, concurrency, async (key) => {
    const bytes = await store.get(key);
    const sha256 = expected.get(key);
    if (sha256 !== undefined && createHash('sha256').update(bytes).digest('base64') !== sha256) {
      throw new ArtifactIntegrityError(
        `snapshot ${key} does not match the SHA-256 recorded when it was written; to retrain the candidate, delete its result.json and run \`ncap sweep resume\``,
        { uri: store.uri, key },
      );
    }
    const snapshot = decodeSnapshot(bytes);
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

/** `result.json` of a candidate, in the current shape (result-record.ts). @throws ArtifactNotFoundError, SyntaxError */
export const readResultJson = readResultRecord;

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
  const beta = await betaTrajectory(
    store,
    sweepId,
    candidateId,
    settings,
    options.concurrency,
    result.snapshots,
  );
  return { result, evidence: evidenceFromResult(result, beta) };
}
