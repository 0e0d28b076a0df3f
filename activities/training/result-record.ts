/**
 * The one reader of a candidate's `result.json`. Records written now say `version: 2`; those of version 1
 * may be of an older shape, told apart by their fields: no `dataset.testSamples` (written before test sets
 * existed: none, 0) and no `training.evaluationsPerEpoch` (before evaluations inside epochs: once per
 * epoch, 1). It returns the current shape, so the scoring and the sweep see only that.
 */
import type { ArtifactStore } from '../store/artifact-store.js';
import { RESULT_RECORD_VERSION, type CandidateResult } from './types.js';

type RecordedResult = Omit<CandidateResult, 'version' | 'dataset' | 'training'> & {
  version: number;
  dataset: Omit<CandidateResult['dataset'], 'testSamples'> & { testSamples?: number };
  training: Omit<CandidateResult['training'], 'evaluationsPerEpoch'> & { evaluationsPerEpoch?: number };
};

/** A parsed `result.json` of any version, in the current shape. */
export function parseResultRecord(value: unknown): CandidateResult {
  const result = value as RecordedResult;
  return {
    ...result,
    version: RESULT_RECORD_VERSION,
    dataset: { ...result.dataset, testSamples: result.dataset.testSamples ?? 0 },
    training: { ...result.training, evaluationsPerEpoch: result.training.evaluationsPerEpoch ?? 1 },
  };
}

/** The `result.json` at `key`, in the current shape. @throws ArtifactNotFoundError when there is none */
export async function readResultRecord(store: ArtifactStore, key: string): Promise<CandidateResult> {
  return parseResultRecord(JSON.parse(Buffer.from(await store.get(key)).toString('utf8')));
}
