/**
 * STOPGAP ground truth for the real zoo in frozen mode, until ncap's own full-training path (a
 * `fullTraining` sweep) can be run on it: the probe (ncap's NCP unit + head, same widths and initialiser
 * as a sweep's) trains on the cached frozen features of `train` until validation accuracy has not improved
 * for `patience` epochs; the candidate's score is the test accuracy at its best validation epoch.
 * Self-contained on purpose so it can be swapped for the product path without touching the rest.
 */
import type { Scalar, Tensor } from '@tensorflow/tfjs';
import { buildProbe } from '../../activities/training/probe.js';
import { epochOrder } from '../../activities/training/rng.js';
import type { Tf } from '../../activities/tf/tf-namespace.js';

/** How every ground-truth run trains. Seeds differ from a sweep's (0) so truth and early runs are independent. */
export const FROZEN_TRUTH_RECIPE = {
  mode: 'frozen',
  probeWidths: [256, 128, 64],
  optimizer: 'adam',
  learningRate: 0.001,
  batchSize: 32,
  /** At most this many epochs. */
  maxEpochs: 200,
  /** Stop after this many epochs without a new best validation accuracy. */
  patience: 15,
  seeds: [1001, 1002, 1003],
  trainSplit: 'train',
  selectedOn: 'validation',
  evaluatedOn: 'test',
} as const;

/** The parts of a recipe one run uses. */
export interface TrainingRecipe {
  probeWidths: readonly number[];
  learningRate: number;
  batchSize: number;
  maxEpochs: number;
  patience: number;
}

/** Row-major features `[n, featureDim]` with their labels. */
export interface FeatureSplit {
  x: Float32Array;
  y: Int32Array;
}

export interface TruthRun {
  seed: number;
  /** Epoch (1-based) with the best validation accuracy (the first, on ties). */
  bestEpoch: number;
  epochsRun: number;
  /** In [0, 1]. */
  validationAccuracy: number;
  /** Test accuracy of the weights at {@link bestEpoch}, in [0, 1] (higher is better). */
  testAccuracy: number;
  /** Training samples processed (epochsRun × train size): the run's compute. */
  samplesProcessed: number;
  /** Validation accuracy after each epoch. */
  validationCurve: number[];
}

export interface TruthRunOptions {
  train: FeatureSplit;
  validation: FeatureSplit;
  test: FeatureSplit;
  featureDim: number;
  numClasses: number;
  seed: number;
  /** @default {@link FROZEN_TRUTH_RECIPE} */
  recipe?: TrainingRecipe;
}

function accuracy(tf: Tf, predict: (x: Tensor) => Tensor, split: FeatureSplit, featureDim: number): number {
  const n = split.y.length;
  if (n === 0) return 0;
  const predicted = tf.tidy(() => tf.argMax(predict(tf.tensor2d(split.x, [n, featureDim])), 1).dataSync());
  let correct = 0;
  for (let i = 0; i < n; i++) if (predicted[i] === split.y[i]) correct++;
  return correct / n;
}

/** One ground-truth run: trains the probe to a validation plateau and scores it on the test split. */
export async function trainProbeToPlateau(tf: Tf, options: TruthRunOptions): Promise<TruthRun> {
  const recipe = options.recipe ?? FROZEN_TRUTH_RECIPE;
  const { train, featureDim, numClasses, seed } = options;
  const probe = buildProbe(tf, {
    featureShape: [featureDim],
    widths: recipe.probeWidths,
    numClasses,
    seed,
    trainable: true,
  });
  const optimizer = tf.train.adam(recipe.learningRate);
  const n = train.y.length;
  const rowsOfTrain = Array.from({ length: n }, (_, i) => i);
  const predict = (x: Tensor): Tensor => probe.model.apply(x) as Tensor;
  let best = { epoch: 0, validation: -1, test: 0 };
  const curve: number[] = [];
  let epoch = 0;
  try {
    while (epoch < recipe.maxEpochs && epoch - best.epoch < recipe.patience) {
      epoch++;
      const order = epochOrder(rowsOfTrain, seed, epoch);
      for (let start = 0; start < n; start += recipe.batchSize) {
        const rows = order.slice(start, start + recipe.batchSize);
        const xs = new Float32Array(rows.length * featureDim);
        rows.forEach((r, k) =>
          xs.set(train.x.subarray(r * featureDim, (r + 1) * featureDim), k * featureDim),
        );
        const labels = Int32Array.from(rows, (r) => train.y[r] as number);
        const loss = tf.tidy(() => {
          const x = tf.tensor2d(xs, [rows.length, featureDim]);
          const y = tf.oneHot(tf.tensor1d(labels, 'int32'), numClasses);
          const cost = optimizer.minimize(
            () =>
              tf.losses.softmaxCrossEntropy(y, probe.model.apply(x, { training: true }) as Tensor) as Scalar,
            true,
          );
          return cost ?? tf.scalar(0);
        });
        loss.dispose();
      }
      const validation = accuracy(tf, predict, options.validation, featureDim);
      curve.push(validation);
      if (validation > best.validation) {
        best = { epoch, validation, test: accuracy(tf, predict, options.test, featureDim) };
      }
      // Let heartbeats, logs and timers run between epochs.
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    optimizer.dispose();
    probe.model.dispose();
  }
  return {
    seed,
    bestEpoch: best.epoch,
    epochsRun: epoch,
    validationAccuracy: best.validation,
    testAccuracy: best.test,
    samplesProcessed: epoch * n,
    validationCurve: curve,
  };
}
