/** The summary of one candidate's training (`result.json`), from what the run prepared and trained. */
import type { CandidateNetwork } from './candidate-network.js';
import type { CandidateRun } from './candidate-run.js';
import type { BackboneCut, LoadedBackbone } from './prepare-backbone.js';
import type { TrainingData } from './training-data.js';
import type { TrainingFeeds } from './training-feeds.js';
import type { SampleSource } from './dataset-source.js';
import type { EvaluationSet, TrainLoopOutcome } from './train-loop-types.js';
import { RESULT_RECORD_VERSION, type CandidateResult } from './types.js';

/** What the run prepared and trained. */
export interface CandidateRunParts {
  run: CandidateRun;
  backbone: LoadedBackbone;
  data: TrainingData;
  features: BackboneCut;
  feeds: TrainingFeeds;
  net: CandidateNetwork;
  outcome: TrainLoopOutcome;
  /** LogME of the frozen features on the training split (`frozenLogme`); null outside frozen mode. */
  logme: number | null;
  /** Why `logme` is null in frozen mode (`frozenLogme`'s note). */
  logmeNote?: string;
  /** Seconds spent computing `logme` (0 outside frozen mode). */
  scoringSeconds?: number;
}

const countParams = (weights: readonly { shape: (number | null)[] }[]): number =>
  weights.reduce((sum, w) => sum + w.shape.reduce<number>((p, d) => p * (d ?? 1), 1), 0);

function modelOf({ run, backbone, data, features, net }: CandidateRunParts): CandidateResult['model'] {
  const { model } = run.resolved;
  return {
    uri: model.uri,
    format: backbone.zoo.format,
    featureLayer: features.featureLayer,
    ...(features.featurePooling !== 'none' ? { featurePooling: features.featurePooling } : {}),
    weightsHash: backbone.zoo.weightsHash,
    inputShape: data.inputShape,
    featureDim: net.network.probe.kernelShapes[0]?.[0] ?? 0,
  };
}

function trainingOf({ run, outcome }: CandidateRunParts): CandidateResult['training'] {
  const { training } = run.resolved;
  return {
    epochs: training.epochs,
    stepsPerEpoch: outcome.stepsPerEpoch,
    totalSteps: outcome.totalSteps,
    batchSize: training.batchSize,
    optimizer: training.optimizer,
    learningRate: training.learningRate,
    snapshotEvery: training.snapshotEvery,
    seed: training.seed,
    evaluationsPerEpoch: training.evaluationsPerEpoch,
  };
}

/** The record of the run; its `timing.finishedAt` is now. */
export function buildCandidateResult(parts: CandidateRunParts): CandidateResult {
  const { run, data, features, feeds, net, outcome, logme, logmeNote, scoringSeconds } = parts;
  const { resolved, keys } = run;
  const { frozen, validation, test } = feeds;
  const { probe } = net.network;
  return {
    version: RESULT_RECORD_VERSION,
    sweepId: resolved.sweepId,
    candidateId: resolved.candidateId,
    mode: resolved.mode,
    backend: run.tf.getBackend(),
    model: modelOf(parts),
    dataset: {
      numClasses: data.source.numClasses,
      trainSamples: data.split.train.length,
      valSamples: validation.indices.length,
      testSamples: test?.indices.length ?? 0,
      ...labelMix(validation, data.source, resolved.dataset.numClasses),
    },
    parameters: {
      backbone: features.backboneModel ? countParams(features.backboneModel.weights) : 0,
      backboneTrainable: countParams(net.backboneTrainable),
      probe: countParams(probe.model.weights),
    },
    probe: {
      widths: resolved.probe.widths,
      trainable: resolved.probe.trainable,
      kernelShapes: probe.kernelShapes,
      ...(frozen ? { standardisedFeatures: resolved.standardiseFeatures } : {}),
    },
    training: trainingOf(parts),
    snapshots: { prefix: keys.snapshotsPrefix, ...outcome.snapshots },
    epochs: outcome.history,
    evaluations: outcome.evaluations,
    ...(outcome.fullTraining ? { fullTraining: outcome.fullTraining } : {}),
    ...(outcome.test ? { test: outcome.test } : {}),
    compute: outcome.compute,
    checkpointKeys: outcome.checkpointKeys,
    resumedFromEpoch: outcome.resumedFromEpoch,
    resumedFromStep: outcome.resumedFromStep,
    ...(frozen
      ? { featureCacheKey: frozen.cacheKey, selectionSignals: { logme, ...(logmeNote ? { logmeNote } : {}) } }
      : {}),
    timing: {
      startedAt: new Date(run.startedAt).toISOString(),
      finishedAt: new Date(run.clock.now()).toISOString(),
      featureSeconds: feeds.featureSeconds,
      trainSeconds: outcome.trainSeconds,
      ...(frozen ? { scoringSeconds: scoringSeconds ?? 0 } : {}),
    },
  };
}

/** The validation set's majority-class rate and, when the class count was inferred, its empty classes. */
function labelMix(
  validation: EvaluationSet,
  source: SampleSource,
  declared: number | undefined,
): Pick<CandidateResult['dataset'], 'valMajorityRate' | 'inferredClasses'> {
  const counts = new Map<number, number>();
  for (const i of validation.indices) {
    const label = validation.labels[i]!;
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  const majority = Math.max(0, ...counts.values());
  const inferred = declared === undefined && source.classNames === undefined;
  return {
    ...(validation.indices.length > 0 ? { valMajorityRate: majority / validation.indices.length } : {}),
    ...(inferred
      ? {
          inferredClasses: {
            numClasses: source.numClasses,
            withoutSamples: source.numClasses - new Set(source.labels).size,
          },
        }
      : {}),
  };
}
