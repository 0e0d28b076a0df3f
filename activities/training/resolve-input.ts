/**
 * Validates a {@link CandidateTrainingInput} against the training schema (the sweep spec's parts, so the
 * defaults are the spec's) and expands the normalisation, once, at the library's edge. Every error names
 * the field and the fix.
 */
import type { z } from 'zod';
import { describeIssue } from '../spec/issue-path.js';
import { resolveNormalisation, type ResolvedNormalisation } from '../spec/normalisation.js';
import { candidateTrainingInputSchema, standardisesFeatures } from '../spec/training-schema.js';
import { InvalidTrainingInputError } from './errors.js';
import type { CandidateTrainingInput, FeaturePoolingSetting } from './types.js';

export { resolveNormalisation, type ResolvedNormalisation } from '../spec/normalisation.js';

type ValidTrainingInput = z.output<typeof candidateTrainingInputSchema>;

/** The input with every default applied and the normalisation expanded. */
export interface ResolvedTrainingInput extends Omit<ValidTrainingInput, 'dataset' | 'model'> {
  model: { uri: string; featureLayer: string | undefined; featurePooling: FeaturePoolingSetting };
  dataset: Omit<ValidTrainingInput['dataset'], 'normalisation' | 'name'> & {
    normalisation: ResolvedNormalisation;
  };
  /** Whether the probe sees standardised frozen features: `probe.standardiseFeatures` in `frozen` mode, else false. */
  standardiseFeatures: boolean;
}

/** Bounds the number of snapshots so `result.json` stays small. */
export const MAX_SNAPSHOTS = 2000;

const fail = (field: string, message: string): never => {
  throw new InvalidTrainingInputError(`${field}: ${message}`, field);
};

/**
 * Validates the input and applies every default.
 * @throws InvalidTrainingInputError naming the first offending field and the fix.
 */
export function resolveTrainingInput(input: CandidateTrainingInput): ResolvedTrainingInput {
  const parsed = candidateTrainingInputSchema.safeParse(input);
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    const { path, message } = issue ? describeIssue(issue) : { path: '', message: 'invalid input' };
    return fail(path || 'input', message);
  }
  const { sweepId, candidateId, model, dataset, mode, probe, training, monitor } = parsed.data;
  if (training.stopping && !Number.isInteger(training.epochs))
    fail(
      'training.epochs',
      `${training.epochs} is not a whole number of epochs; training.stopping counts whole epochs: use e.g. ${Math.ceil(training.epochs)}`,
    );
  // Spelled out, in this order: the checkpoint fingerprint hashes these objects.
  return {
    sweepId,
    candidateId,
    model: { uri: model.uri, featureLayer: model.featureLayer, featurePooling: model.featurePooling },
    dataset: {
      uri: dataset.uri,
      format: dataset.format,
      normalisation: resolveNormalisation(dataset.normalisation),
      validationFraction: dataset.validationFraction,
      seed: dataset.seed,
      maxSamples: dataset.maxSamples,
      numClasses: dataset.numClasses,
      ...(dataset.validationUri !== undefined ? { validationUri: dataset.validationUri } : {}),
      ...(dataset.testUri !== undefined ? { testUri: dataset.testUri } : {}),
    },
    mode,
    standardiseFeatures: standardisesFeatures(mode, probe),
    probe: { widths: probe.widths, trainable: probe.trainable, recordBatchStats: probe.recordBatchStats },
    monitor: { skipInputProjection: monitor.skipInputProjection, interactionModel: monitor.interactionModel },
    training: {
      epochs: training.epochs,
      batchSize: training.batchSize,
      learningRate: training.learningRate,
      optimizer: training.optimizer,
      momentum: training.momentum,
      snapshotEvery: training.snapshotEvery,
      seed: training.seed,
      evaluationsPerEpoch: training.evaluationsPerEpoch,
      ...(training.stopping ? { stopping: training.stopping } : {}),
    },
  };
}

/** Rejects a snapshot cadence that would write more than {@link MAX_SNAPSHOTS} snapshots. */
export function checkSnapshotCount(
  totalSteps: number,
  stepsPerEpoch: number,
  snapshotEvery: number,
  epochs: number,
): void {
  const count = 1 + Math.floor(totalSteps / snapshotEvery) + Math.ceil(epochs);
  if (count > MAX_SNAPSHOTS) {
    const suggestion = Math.ceil(totalSteps / (MAX_SNAPSHOTS - 1 - Math.ceil(epochs)));
    fail(
      'training.snapshotEvery',
      `${snapshotEvery} gives about ${count} snapshots over ${totalSteps} steps (${stepsPerEpoch} per epoch); ` +
        `keep it under ${MAX_SNAPSHOTS}: use at least ${suggestion}`,
    );
  }
}
