/** Maps a validated sweep spec and one candidate to the training library's input. */
import type { CompleteTrainingInput } from '../training/types.js';
import type { SweepSpec } from './sweep-spec.js';

export class UnknownCandidateError extends Error {
  override name = 'UnknownCandidateError';
  readonly nonRetryable = true;
}

export function toTrainingInput(
  spec: SweepSpec,
  sweepId: string,
  candidateId: string,
): CompleteTrainingInput {
  const candidate = spec.candidates.find((c) => c.id === candidateId);
  if (!candidate) {
    throw new UnknownCandidateError(
      `candidate '${candidateId}' is not in sweep ${sweepId}'s spec (candidates: ${spec.candidates.map((c) => c.id).join(', ')})`,
    );
  }
  const { name: _name, ...dataset } = spec.dataset;
  const {
    maxMinutesPerCandidate: _m,
    heartbeatTimeoutSeconds: _h,
    maxAttempts: _a,
    ...training
  } = spec.training;
  return {
    sweepId,
    candidateId,
    model: {
      uri: candidate.model,
      ...(candidate.featureLayer ? { featureLayer: candidate.featureLayer } : {}),
      featurePooling: candidate.featurePooling,
    },
    // The candidate's own normalisation replaces the dataset's; without one the input is as it always was.
    dataset:
      candidate.normalisation !== undefined
        ? { ...dataset, normalisation: candidate.normalisation }
        : dataset,
    mode: spec.mode,
    probe: spec.probe,
    monitor: {
      skipInputProjection: spec.selection.skipInputProjection,
      interactionModel: spec.selection.interactionModel,
    },
    training,
  };
}
