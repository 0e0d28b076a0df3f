/**
 * Input, output and dependency types of candidate training (`trainCandidate`). The input is what crosses
 * Temporal: small, JSON-serialisable, with no store URI (the store is a dependency of the worker).
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { ArtifactStore } from '../store/artifact-store.js';

/** The TF.js namespace in use (whatever backend `initTf()` selected). */
export type Tf = typeof tfjs;

export const TRAINING_MODES = ['finetune', 'frozen'] as const;
/**
 * `finetune`: the backbone's weights train with the probe (as in the paper).
 * `frozen`: backbone features are computed once (and cached in the store); only the probe and head train.
 */
export type TrainingMode = (typeof TRAINING_MODES)[number];

export const OPTIMIZERS = ['adam', 'sgd', 'momentum'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

export const FEATURE_POOLINGS = ['none', 'average', 'max'] as const;
/**
 * What happens to a spatial feature-layer output `[h, w, c]` before the probe: `'none'` flattens it to
 * h·w·c values; `'average'` / `'max'` pool it globally over h and w to `c` values, so a cut inside a
 * convolutional backbone gives the probe a vector of the layer's channel count.
 */
export type FeaturePooling = (typeof FEATURE_POOLINGS)[number];

export const DATASET_FORMATS = ['auto', 'safetensors', 'npy', 'image-folder'] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

/**
 * How raw pixel values become model inputs: `y = (x·scale + offset − mean[c]) / std[c]`.
 * Presets: `'none'` (identity), `'[0,1]'` (scale 1/255), `'[-1,1]'` (scale 2/255, offset −1).
 */
export type Normalisation =
  | 'none'
  | '[0,1]'
  | '[-1,1]'
  | {
      /** Multiplier applied first. @default 1 */
      scale?: number;
      /** Added after scaling. @default 0 */
      offset?: number;
      /** Per-channel mean subtracted after scale/offset (length = channels). @default all 0 */
      mean?: number[];
      /** Per-channel standard deviation divided by last (length = channels, all > 0). @default all 1 */
      std?: number[];
    };

export interface ModelSpec {
  /**
   * Where the model lives: `file:///abs/model.json`, `s3://bucket/prefix/model.json` or
   * `http(s)://…/model.json`. A TF.js LayersModel (any mode) or GraphModel (`frozen` mode only).
   */
  uri: string;
  /**
   * Name of the layer (LayersModel) or node (GraphModel) whose output feeds the probe.
   * @default the input of the last layer with a kernel (the layer before the classifier) for a
   *   LayersModel; the model's output for a GraphModel
   */
  featureLayer?: string;
  /** Global pooling of a spatial feature layer's output (see {@link FeaturePooling}). @default 'none' */
  featurePooling?: FeaturePooling;
}

export interface DatasetSpec {
  /**
   * Where the data lives (`file://`, `s3://` or `http(s)://`): a `.safetensors` file with tensors `x`
   * (uint8/float32, NHWC or NHW) and `y` (integer labels); a folder holding `x.npy` and `y.npy`; or a folder
   * of class sub-folders of PNG/JPEG images (class = sub-folder name, labels in sorted name order).
   */
  uri: string;
  /** Which layout `uri` has. @default 'auto' (by extension and folder content) */
  format?: DatasetFormat;
  /** Pixel normalisation applied to every sample before the model. */
  normalisation: Normalisation;
  /** Fraction of the (sub-sampled) samples held out for validation, stratified by class, in [0, 1). @default 0.2 */
  validationFraction?: number;
  /** Seed of the sub-sampling and of the train/validation split (not of training). @default 0 */
  seed?: number;
  /** Use at most this many samples, a seeded stratified subset. @default all samples */
  maxSamples?: number;
  /**
   * Number of target classes; verified against the labels (every label must be below it).
   * @default 1 + the largest label (tensor files) or the number of class sub-folders (image folders)
   */
  numClasses?: number;
}

export interface ProbeSpec {
  /** Widths of the NCP unit's hidden Dense layers (ReLU). With the head, ≥ 3 weight layers in all. @default [256, 128, 64] */
  widths?: number[];
  /** Whether the NCP unit's weights train; `false` keeps them at their seeded random initialisation (the head still trains). @default true */
  trainable?: boolean;
  /**
   * Record per snapshot the batch statistics the `gradient-coupled` interaction model needs (mean |input
   * activation|, mean ReLU derivative, mean |back-propagated error| per layer) as extra tensors.
   * @default false
   */
  recordBatchStats?: boolean;
}

export interface TrainingSpec {
  /** Epochs of the observation window. */
  epochs: number;
  /** Samples per training step (the last step of an epoch may be smaller). @default 32 */
  batchSize?: number;
  /** Optimizer learning rate. @default 0.001 */
  learningRate?: number;
  /** Optimizer. @default 'adam' */
  optimizer?: OptimizerName;
  /** Momentum of the `momentum` optimizer. @default 0.9 */
  momentum?: number;
  /** Write a snapshot every this many optimizer steps (also at step 0 and at each epoch's end). @default 10 */
  snapshotEvery?: number;
  /** Seed of the probe's initialisation and of the per-epoch shuffling. @default 0 */
  seed?: number;
}

export interface CandidateTrainingInput {
  /** Sweep this candidate belongs to; becomes a key segment (`[A-Za-z0-9._=+@-]`, ≤ 128 chars). */
  sweepId: string;
  /** Candidate id, unique within the sweep; becomes a key segment. */
  candidateId: string;
  model: ModelSpec;
  dataset: DatasetSpec;
  /** Fine-tuning mode. @default 'finetune' */
  mode?: TrainingMode;
  /** The NCP unit. @default { widths: [256, 128, 64], trainable: true } */
  probe?: ProbeSpec;
  training: TrainingSpec;
  /**
   * How the β_eff in progress reports and `result.json` is computed; the sweep passes its scoring
   * settings so what a user watches is what the ranking uses. Not part of the checkpoint identity.
   * @default all probe kernels, `abs-product`
   */
  monitor?: {
    skipInputProjection?: boolean;
    interactionModel?: 'abs-product' | 'signed-product' | 'gradient-coupled';
  };
}

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

/** The small per-candidate summary written as `result.json` (< 64 KB: it crosses Temporal). */
export interface CandidateResult {
  version: 1;
  sweepId: string;
  candidateId: string;
  mode: TrainingMode;
  /** TF.js backend the run used, e.g. `cpu`, `wasm`, `tensorflow`. */
  backend: string;
  model: {
    uri: string;
    format: 'layers-model' | 'graph-model';
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
  };
  snapshots: {
    /** Key prefix; a snapshot's key is `${prefix}${step:010d}.safetensors`. */
    prefix: string;
    /** Global steps at which a snapshot was written, ascending. */
    steps: number[];
    /** β_eff per snapshot (computed with the input's `monitor` settings), same order as `steps`; `null` where undefined. */
    betaEff: (number | null)[];
  };
  epochs: EpochSummary[];
  /** Checkpoint key prefixes, one per completed epoch. */
  checkpointKeys: string[];
  /** Epoch (1-based) whose checkpoint this run resumed from; 0 when it started from scratch. */
  resumedFromEpoch: number;
  /** Store key of the frozen-feature cache used (`frozen` mode). */
  featureCacheKey?: string;
  timing: {
    startedAt: string;
    finishedAt: string;
    /** Seconds spent computing or loading frozen features. */
    featureSeconds: number;
    /** Seconds spent in training and evaluation in this run. */
    trainSeconds: number;
  };
}
