/** Maps a validated sweep spec and one candidate to the training library's input. */
import type { CandidateTrainingInput } from '../training/types.js';
import type { SweepSpec } from './sweep-spec.js';

export class UnknownCandidateError extends Error {
  override name = 'UnknownCandidateError';
  readonly nonRetryable = true;
}

export function toTrainingInput(
  spec: SweepSpec,
  sweepId: string,
  candidateId: string,
): CandidateTrainingInput {
  const candidate = spec.candidates.find((c) => c.id === candidateId);
  if (!candidate) {
    throw new UnknownCandidateError(
      `candidate '${candidateId}' is not in sweep ${sweepId}'s spec (candidates: ${spec.candidates.map((c) => c.id).join(', ')})`,
    );
  }
  const { dataset, training, probe } = spec;
  return {
    sweepId,
    candidateId,
    model: {
      uri: candidate.model,
      ...(candidate.featureLayer ? { featureLayer: candidate.featureLayer } : {}),
      ...(candidate.featurePooling ? { featurePooling: candidate.featurePooling } : {}),
    },
    dataset: {
      uri: dataset.uri,
      format: dataset.format,
      normalisation: dataset.normalisation,
      validationFraction: dataset.validationFraction,
      seed: dataset.seed,
      ...(dataset.maxSamples !== undefined ? { maxSamples: dataset.maxSamples } : {}),
      ...(dataset.numClasses !== undefined ? { numClasses: dataset.numClasses } : {}),
    },
    mode: spec.mode,
    probe: { widths: probe.widths, trainable: probe.trainable, recordBatchStats: probe.recordBatchStats },
    monitor: {
      skipInputProjection: spec.selection.skipInputProjection,
      interactionModel: spec.selection.interactionModel,
    },
    training: {
      epochs: training.epochs,
      batchSize: training.batchSize,
      learningRate: training.learningRate,
      optimizer: training.optimizer,
      ...(training.momentum !== undefined ? { momentum: training.momentum } : {}),
      snapshotEvery: training.snapshotEvery,
      seed: training.seed,
    },
  };
}
