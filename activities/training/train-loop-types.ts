/** What the training loop of one candidate takes and returns (see train-loop.ts). */
import type { LayersModel, Optimizer, Tensor, Variable } from '@tensorflow/tfjs';
import type { ArtifactStore } from '../store/artifact-store.js';
import type { sweepKeys } from '../store/keys.js';
import type { Tf } from '../tf/tf-namespace.js';
import type { Checkpoint } from './checkpoint.js';
import type { Feed } from './feed.js';
import type { Probe } from './probe.js';
import type { ResolvedTrainingInput } from './resolve-input.js';
import type { DatasetSplit } from './split.js';
import type {
  Clock,
  EpochSummary,
  EvaluationPoint,
  FullTrainingSummary,
  TestSummary,
  TrainingLogger,
  TrainingProgress,
} from './types.js';

/** Samples to evaluate on: a feed and the indices it serves. */
export interface EvaluationSet {
  feed: Feed;
  indices: readonly number[];
  /** Labels of the set's source, indexed by `indices` (the chance level of the report needs their mix). */
  labels: ArrayLike<number>;
}

/** A weight saved in checkpoints (LayerVariable-like). */
export interface WeightHandle {
  readonly name: string;
  readonly shape: (number | null)[];
  read(): Tensor;
  write(value: Tensor): unknown;
}

export interface TrainingNetwork {
  /** `finetune`: applied to each batch's input (inference mode: BatchNorm uses its moving statistics, no dropout). Absent in `frozen` mode, where batches are features. */
  backbone?: LayersModel;
  probe: Probe;
  /** The variables the optimizer updates, in a fixed order (optimizer state is positional). */
  trainable: Variable[];
  /** Every weight a checkpoint saves and restores, in a fixed order. */
  saved: WeightHandle[];
}

export type CandidateKeys = ReturnType<ReturnType<typeof sweepKeys>['candidate']>;

export interface TrainLoopOptions {
  tf: Tf;
  store: ArtifactStore;
  network: TrainingNetwork;
  optimizer: Optimizer;
  feed: Feed;
  /** Its `train` indices are trained on (through `feed`). */
  split: Pick<DatasetSplit, 'train'>;
  /** What validation evaluates (`split.validation` through `feed`, or a separate set). */
  validation: EvaluationSet;
  /** Scored once after training. */
  test?: EvaluationSet;
  numClasses: number;
  input: ResolvedTrainingInput;
  keys: CandidateKeys;
  /** Identity of the training setup, recorded in checkpoints. */
  fingerprint: string;
  /** Checkpoint to resume from. */
  resume?: Checkpoint;
  onProgress?: (progress: TrainingProgress) => void;
  signal?: AbortSignal;
  /** Stop after the next epoch's checkpoint (the worker is shutting down). */
  drain?: AbortSignal;
  clock: Clock;
  log?: TrainingLogger;
}

export interface TrainLoopOutcome {
  history: EpochSummary[];
  evaluations: EvaluationPoint[];
  fullTraining?: FullTrainingSummary;
  test?: TestSummary;
  compute: { trainSamples: number; evalSamples: number };
  snapshots: { steps: number[]; betaEff: (number | null)[]; sha256?: string[] };
  checkpointKeys: string[];
  /** Epochs (fractional inside an epoch) already trained when this call started. */
  resumedFromEpoch: number;
  /** Steps already trained when this call started: this call trained `totalSteps − resumedFromStep`. */
  resumedFromStep: number;
  stepsPerEpoch: number;
  totalSteps: number;
  /** Seconds spent in this call. */
  trainSeconds: number;
}
