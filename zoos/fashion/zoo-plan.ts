/**
 * What a Fashion-MNIST zoo holds and how it is made: the two tasks (which half of the classes the
 * candidates pre-train on, which half is the target), the candidates (architecture × width × pre-training
 * length), the subset sizes and the pre-training recipe. `full` is the shipped demo zoo; `reversed` the
 * second zoo (the halves' roles swapped, every candidate with features of one width); `quick` a tiny
 * version for tests. The ground truth (full fine-tuning on the target task) is measured separately by
 * `npm run bench:selection -- --build-truth` (bench/truth/).
 */
import type { Architecture } from './architectures.js';

/** One zoo candidate before it is built. */
export interface CandidatePlan {
  /** Unique id; also the folder name of its model under `models/`. */
  id: string;
  architecture: Architecture;
  /** Base width (see {@link Architecture}). */
  width: number;
  /** Epochs of pre-training on the source task. */
  pretrainEpochs: number;
  /** Seed of the initialisers and of the pre-training batch order. */
  seed: number;
  /** Width of the `features` layer. @default the architecture's own */
  featureWidth?: number;
}

/** Sample counts of the task subsets (stratified over the 5 classes of each task). */
export interface SubsetSizes {
  /** Source-task training samples, from Fashion-MNIST's training file (classes 5–9). */
  sourceTrain: number;
  /** Source-task test samples (for `sourceAccuracy`), from Fashion-MNIST's test file. */
  sourceTest: number;
  /** Target-task training samples, from the training file (classes 0–4). */
  targetTrain: number;
  /** Target-task validation samples, from the training file, disjoint from `targetTrain`. */
  targetValidation: number;
  /** Target-task test samples (the ground truth is measured on them), from the test file. */
  targetTest: number;
}

/** An Adam training recipe. */
export interface Recipe {
  /** Passes over the training subset. */
  epochs: number;
  /** Samples per optimizer step. */
  batchSize: number;
  /** Adam learning rate. */
  learningRate: number;
}

export const PLAN_NAMES = ['full', 'quick', 'reversed'] as const;
export type PlanName = (typeof PLAN_NAMES)[number];

export interface ZooPlan {
  name: PlanName;
  /** Seed of the subsets (candidates carry their own seeds). */
  dataSeed: number;
  /** Fashion-MNIST labels the candidates pre-train on, mapped to 0..k-1 in this order. */
  sourceClasses: readonly number[];
  /** Fashion-MNIST labels of the target task, mapped to 0..k-1 in this order. */
  targetClasses: readonly number[];
  sizes: SubsetSizes;
  /** Pre-training on the source task (epochs come from each candidate). */
  pretrain: Omit<Recipe, 'epochs'>;
  candidates: CandidatePlan[];
}

/** Fashion-MNIST labels of the demo zoo's source task (sandal, shirt, sneaker, bag, ankle boot), mapped to 0–4. */
export const SOURCE_CLASSES = [5, 6, 7, 8, 9] as const;
/** Fashion-MNIST labels of the demo zoo's target task (T-shirt/top, trouser, pullover, dress, coat), kept as 0–4. */
export const TARGET_CLASSES = [0, 1, 2, 3, 4] as const;

const candidate = (
  architecture: Architecture,
  width: number,
  pretrainEpochs: number,
  seed: number,
  featureWidth?: number,
): CandidatePlan => ({
  id: `${architecture}-w${width}-e${pretrainEpochs}`,
  architecture,
  width,
  pretrainEpochs,
  seed,
  ...(featureWidth === undefined ? {} : { featureWidth }),
});

/**
 * The shipped zoo: 10 candidates of 5 architectures, widths and pre-training lengths chosen so final target accuracies
 * spread (a narrow MLP at the bottom, wide convolutional nets at the top) while the whole build stays
 * within tens of minutes on two CPU cores.
 */
export const FULL_PLAN: ZooPlan = {
  name: 'full',
  dataSeed: 20240601,
  sourceClasses: SOURCE_CLASSES,
  targetClasses: TARGET_CLASSES,
  sizes: {
    sourceTrain: 12_000,
    sourceTest: 2_000,
    targetTrain: 3_000,
    targetValidation: 1_000,
    targetTest: 2_000,
  },
  pretrain: { batchSize: 64, learningRate: 1e-3 },
  candidates: [
    candidate('mlp', 16, 1, 101),
    candidate('mlp', 128, 3, 102),
    candidate('cnn', 4, 1, 103),
    // Same seed as the next one: the first epoch of the same run, so the pair isolates pre-training length.
    candidate('cnn', 12, 1, 104),
    candidate('cnn', 12, 3, 104),
    candidate('vgg-cnn', 6, 2, 105),
    candidate('separable-cnn', 4, 1, 106),
    candidate('separable-cnn', 12, 3, 107),
    candidate('residual-cnn', 4, 1, 108),
    candidate('residual-cnn', 8, 3, 109),
  ],
};

/** A tiny zoo with every architecture, for tests and smoke runs (seconds, not minutes). */
export const QUICK_PLAN: ZooPlan = {
  name: 'quick',
  dataSeed: 7,
  sourceClasses: SOURCE_CLASSES,
  targetClasses: TARGET_CLASSES,
  sizes: { sourceTrain: 100, sourceTest: 50, targetTrain: 50, targetValidation: 25, targetTest: 50 },
  pretrain: { batchSize: 25, learningRate: 1e-3 },
  candidates: [
    candidate('mlp', 8, 1, 1),
    candidate('cnn', 2, 1, 2),
    candidate('vgg-cnn', 2, 1, 3),
    candidate('separable-cnn', 2, 1, 4),
    candidate('residual-cnn', 2, 1, 5),
  ],
};

/** The width of every `features` layer of the reversed zoo. */
export const REVERSED_FEATURE_WIDTH = 64;

/**
 * The second zoo: the halves' roles reversed (pre-train on classes 0–4, target classes 5–9), 16 candidates of
 * 5 architectures whose feature layers all have {@link REVERSED_FEATURE_WIDTH} units, so the probe's input
 * width cannot explain a ranking. Internal widths, pre-training lengths (1–3 epochs) and seeds vary; three
 * pairs share a seed and differ only in pre-training length.
 */
export const REVERSED_PLAN: ZooPlan = {
  name: 'reversed',
  dataSeed: 20261201,
  sourceClasses: TARGET_CLASSES,
  targetClasses: SOURCE_CLASSES,
  sizes: FULL_PLAN.sizes,
  pretrain: { batchSize: 64, learningRate: 1e-3 },
  candidates: (
    [
      ['mlp', 32, 1, 201],
      ['mlp', 128, 1, 202],
      ['mlp', 128, 3, 202],
      ['mlp', 256, 2, 203],
      ['cnn', 2, 1, 204],
      ['cnn', 4, 2, 205],
      ['cnn', 8, 1, 206],
      ['cnn', 8, 3, 206],
      ['vgg-cnn', 4, 1, 207],
      ['vgg-cnn', 8, 3, 208],
      ['separable-cnn', 4, 1, 209],
      ['separable-cnn', 8, 2, 210],
      ['separable-cnn', 16, 3, 211],
      ['residual-cnn', 2, 1, 212],
      ['residual-cnn', 4, 1, 213],
      ['residual-cnn', 4, 3, 213],
    ] as const
  ).map(([architecture, width, epochs, seed]) =>
    candidate(architecture, width, epochs, seed, REVERSED_FEATURE_WIDTH),
  ),
};

/** The plans by name. */
export const PLANS: Record<PlanName, ZooPlan> = {
  full: FULL_PLAN,
  quick: QUICK_PLAN,
  reversed: REVERSED_PLAN,
};
