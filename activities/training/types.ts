/**
 * Input, output and dependency types of candidate training (`runCandidateTraining`). The input is what
 * crosses Temporal: small, JSON-serialisable, with no store URI (the store is a dependency of the worker).
 */
import type { z } from 'zod';
import type {
  candidateTrainingInputSchema,
  DATASET_FORMATS,
  FEATURE_POOLING_SETTINGS,
  FEATURE_POOLINGS,
  normalisationSchema,
  OPTIMIZERS,
  TRAINING_MODES,
} from '../spec/training-schema.js';
import type { ArtifactStore } from '../store/artifact-store.js';
import type { Tf } from '../tf/tf-namespace.js';

/** See `TRAINING_MODES` in the training schema. */
export type TrainingMode = (typeof TRAINING_MODES)[number];
export type OptimizerName = (typeof OPTIMIZERS)[number];
/** See `FEATURE_POOLINGS` in the training schema. */
export type FeaturePooling = (typeof FEATURE_POOLINGS)[number];
/** A pooling as a spec asks it: {@link FeaturePooling} or `'auto'` (see `FEATURE_POOLING_SETTINGS`). */
export type FeaturePoolingSetting = (typeof FEATURE_POOLING_SETTINGS)[number];
export type DatasetFormat = (typeof DATASET_FORMATS)[number];
/** How raw pixel values become model inputs (presets or an affine map); see the training schema. */
export type Normalisation = z.input<typeof normalisationSchema>;

/**
 * One candidate's training input as a caller writes it (defaults optional). Fields, bounds and defaults
 * are documented once, on `candidateTrainingInputSchema` (activities/spec/training-schema.ts).
 */
export type CandidateTrainingInput = z.input<typeof candidateTrainingInputSchema>;
/** A training input with every default filled in (what a validated sweep spec yields). */
export type CompleteTrainingInput = z.output<typeof candidateTrainingInputSchema>;

/** One call of {@link TrainingDeps.onProgress}, after every optimizer step and after each epoch's evaluation. */
export interface TrainingProgress {
  /** 1-based epoch in progress (or just finished). */
  epoch: number;
  /** Global optimizer steps done so far. */
  step: number;
  totalSteps: number;
  /** Training loss of the last step (mean softmax cross-entropy over its batch); NaN before the first step. */
  loss: number;
  /** Validation accuracy in [0, 1], after an epoch's evaluation. */
  valAccuracy?: number;
  /** Validation loss, after an epoch's evaluation. */
  valLoss?: number;
  /** β_eff (with the `monitor` settings), when a snapshot was taken at this step. */
  betaEff?: number;
  /** Store key of the snapshot written at this step. */
  snapshotKey?: string;
  /** Store key (prefix) of the checkpoint just written, after an epoch. */
  checkpointKey?: string;
  /** The model input the samples are adapted to, without the batch axis (e.g. `[224, 224, 3]`). */
  inputShape?: number[];
}

/** Structured logger; Temporal's activity logger fits. */
export interface TrainingLogger {
  info(message: string, attrs?: Record<string, unknown>): void;
  warn(message: string, attrs?: Record<string, unknown>): void;
}

/** Milliseconds since the epoch; injectable so tests control time. */
export interface Clock {
  now(): number;
}

export interface TrainingDeps {
  tf: Tf;
  /** The sweep's artifact store: snapshots, checkpoints, result and the frozen-feature cache go here. */
  store: ArtifactStore;
  /**
   * Opens a store for an `s3://bucket[/prefix]` URI outside `store` (model zoo or dataset in another
   * bucket). @default none: such URIs are rejected
   */
  openStore?: (uri: string) => Promise<ArtifactStore>;
  onProgress?: (progress: TrainingProgress) => void;
  /** Cooperative cancellation, checked between batches. */
  signal?: AbortSignal;
  /**
   * The worker is shutting down: stop after the next epoch's checkpoint (TrainingInterruptedError), so
   * the retry on another worker resumes from it and loses nothing. @default never
   */
  drain?: AbortSignal;
  /** @default Date */
  clock?: Clock;
  /** @default silent */
  log?: TrainingLogger;
  /** `fetch` for `http(s)://` URIs. @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** One epoch's summary in the result. */
export interface EpochSummary {
  epoch: number;
  /** Mean training loss over the epoch's steps. */
  trainLoss: number;
  /** Mean validation loss; `null` when there is no validation split. */
  valLoss: number | null;
  /** Validation accuracy in [0, 1]; `null` when there is no validation split. */
  valAccuracy: number | null;
  /** Global step at the end of the epoch. */
  step: number;
  /** Wall-clock seconds the epoch took (training + evaluation); 0 for epochs restored from a checkpoint. */
  seconds: number;
}

/** One validation evaluation (at an epoch's end or, with `training.evaluationsPerEpoch` > 1, inside it). */
export interface EvaluationPoint {
  /** Global optimizer step at which it was taken (a snapshot exists at the same step). */
  step: number;
  /** Epochs of training done: `step / stepsPerEpoch` (0.25 = a quarter epoch). */
  epoch: number;
  /** Mean training loss over the steps since the previous evaluation point. */
  trainLoss: number;
  /** Sum of every step's training loss up to here (TSE up to this point). */
  trainLossSum: number;
  /** Training samples processed up to here. */
  trainSamples: number;
  valLoss: number | null;
  /** Validation accuracy in [0, 1]; `null` when there is no validation set. */
  valAccuracy: number | null;
}

/** The outcome of a `training.stopping` run. */
export interface FullTrainingSummary {
  patience: number;
  minDelta: number;
  /** The epoch limit (`training.epochs`). */
  maxEpochs: number;
  /** Epochs trained. */
  epochsRun: number;
  /** Epoch (1-based) with the best validation accuracy. */
  bestEpoch: number;
  /** `plateau`: `patience` epochs without improvement; `max-epochs`: the limit was reached first. */
  stoppedBy: 'plateau' | 'max-epochs';
  /** Validation metrics of the best epoch. */
  best: { valAccuracy: number | null; valLoss: number | null; trainLoss: number };
  /**
   * The accuracy the run converged to, in [0, 1]: on `dataset.testUri` with the best epoch's weights when
   * the sweep has a test set, else the best epoch's validation accuracy.
   */
  finalAccuracy: number | null;
}

/** Accuracy on `dataset.testUri`. */
export interface TestSummary {
  /** In [0, 1]. */
  accuracy: number;
  /** Mean softmax cross-entropy. */
  loss: number;
  samples: number;
  /** Epoch whose weights were scored (the best one with `training.stopping`, else the last). */
  epoch: number;
}

/** The version of the `result.json` records written now (result-record.ts reads older ones). */
export const RESULT_RECORD_VERSION = 2;

/** The small per-candidate summary written as `result.json` (< 64 KB: it crosses Temporal). */
export interface CandidateResult {
  version: typeof RESULT_RECORD_VERSION;
  sweepId: string;
  candidateId: string;
  mode: TrainingMode;
  /** TF.js backend the run used, e.g. `cpu`, `wasm`, `tensorflow`. */
  backend: string;
  model: {
    uri: string;
    format: 'layers-model' | 'graph-model' | 'onnx';
    featureLayer: string;
    /** Global pooling applied to the feature layer's output; absent when none. */
    featurePooling?: 'average' | 'max';
    /** SHA-256 (hex) of the model topology and weights as loaded. */
    weightsHash: string;
    /** Model input shape without the batch dimension, [H, W, C]. */
    inputShape: number[];
    /** Width of the flattened feature vector entering the probe. */
    featureDim: number;
  };
  dataset: {
    numClasses: number;
    trainSamples: number;
    valSamples: number;
    /** Samples of `dataset.testUri`; 0 without one. */
    testSamples: number;
    /**
     * Share of the validation samples in their most frequent class, in [0, 1]: with 1/numClasses, the
     * chance level the report compares accuracies with. Absent without validation samples and in results
     * of earlier versions.
     */
    valMajorityRate?: number;
    /**
     * Set when `numClasses` was inferred from the largest label (the spec set no `dataset.numClasses`
     * and the data has no class folders): how many of those classes have no sample (labels beyond the
     * data's classes grow the head). Absent when declared and in results of earlier versions.
     */
    inferredClasses?: { numClasses: number; withoutSamples: number };
  };
  parameters: {
    /** Parameters of the cut backbone. */
    backbone: number;
    /** Of which trained in this run (0 in `frozen` mode). */
    backboneTrainable: number;
    /** NCP unit plus head. */
    probe: number;
  };
  probe: {
    widths: number[];
    trainable: boolean;
    /** Kernel shapes [in, out] of the snapshot's `ncp.{l}.kernel`, head last. */
    kernelShapes: [number, number][];
    /**
     * Whether the probe saw the frozen features standardised with the training split's statistics
     * (`probe.standardiseFeatures`); `frozen` mode only, absent in `finetune` mode and in older results.
     */
    standardisedFeatures?: boolean;
  };
  training: {
    epochs: number;
    stepsPerEpoch: number;
    totalSteps: number;
    batchSize: number;
    optimizer: OptimizerName;
    learningRate: number;
    snapshotEvery: number;
    seed: number;
    /** Validation evaluations per epoch (the last at its end). */
    evaluationsPerEpoch: number;
  };
  snapshots: {
    /** Key prefix; a snapshot's key is `${prefix}${step:010d}.safetensors`. */
    prefix: string;
    /** Global steps at which a snapshot was written, ascending. */
    steps: number[];
    /** β_eff per snapshot (computed with the input's `monitor` settings), same order as `steps`; `null` where undefined. */
    betaEff: (number | null)[];
    /**
     * SHA-256 (base64) of each snapshot file as written, same order as `steps`; scoring checks every file
     * against it. Absent when a resumed run's checkpoint predates it.
     */
    sha256?: string[];
  };
  epochs: EpochSummary[];
  /** Every validation evaluation, ascending by step (the epoch ends included); absent in results of earlier versions. */
  evaluations?: EvaluationPoint[];
  /** With `training.stopping`: where and why the run stopped, and its best epoch. */
  fullTraining?: FullTrainingSummary;
  /** With `dataset.testUri`. */
  test?: TestSummary;
  /** Compute spent, in samples: forward+backward passes of training and forward passes of evaluation. */
  compute?: { trainSamples: number; evalSamples: number };
  /** Checkpoint key prefixes kept, ascending by epoch (with `training.stopping`: the best and the last). */
  checkpointKeys: string[];
  /** Epochs already trained at the checkpoint this run resumed from (fractional inside an epoch); 0 from scratch. */
  resumedFromEpoch: number;
  /** Steps already trained at that checkpoint: this run trained `training.totalSteps − resumedFromStep`. */
  resumedFromStep?: number;
  /** Store key of the frozen-feature cache used (`frozen` mode). */
  featureCacheKey?: string;
  /** Signals for selection computed from the frozen features (`frozen` mode). */
  selectionSignals?: {
    /** LogME of the training split's features (null when too large to compute; see frozen-logme.ts). */
    logme: number | null;
    /** Why `logme` is null (too large, too few samples, non-finite features or result); absent otherwise. */
    logmeNote?: string;
  };
  timing: {
    startedAt: string;
    finishedAt: string;
    /** Seconds spent computing or loading frozen features. */
    featureSeconds: number;
    /** Seconds spent in training and evaluation in this run. */
    trainSeconds: number;
    /** Seconds spent scoring the frozen features without training (LogME); absent outside frozen mode and in older results. */
    scoringSeconds?: number;
  };
}
