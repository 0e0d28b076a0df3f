/**
 * The demo's training loop: seeded mini-batch order, Adam, softmax cross-entropy, accuracy evaluation, and
 * the swap of a pre-trained model's classifier for a fresh head (the start of full fine-tuning).
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from '../../activities/tf/tf-namespace.js';
import { FEATURE_LAYER } from './architectures.js';
import type { TaskImages } from './class-subsets.js';
import { seededRandom, shuffled } from './rng.js';

/** The name of the fresh classifier that fine-tuning puts on top of the feature layer. */
export const TARGET_CLASSIFIER_LAYER = 'target_classifier';

export interface TrainOptions {
  /** Passes over the data. */
  epochs: number;
  /** Samples per optimizer step (the last step of an epoch may be smaller). */
  batchSize: number;
  /** Adam learning rate. */
  learningRate: number;
  /** Seed of the mini-batch order. */
  seed: number;
  /** Called after each epoch with its 1-based index and mean training loss. */
  onEpoch?: (epoch: number, meanLoss: number) => void;
}

/** A loss that became NaN or infinite: the run diverged. */
export class DivergedTrainingError extends Error {
  override name = 'DivergedTrainingError';
}

/** Images as a float32 NHWC tensor in [0, 1] (the zoo's input normalisation) and one-hot labels. */
export function taskTensors(
  tf: Tf,
  task: TaskImages,
  classes: number,
): { x: tfjs.Tensor4D; y: tfjs.Tensor2D } {
  return tf.tidy(() => ({
    x: tf
      .tensor4d(task.images, [task.count, task.rows, task.cols, 1], 'int32')
      .toFloat()
      .div(255) as tfjs.Tensor4D,
    y: tf.oneHot(tf.tensor1d(task.labels, 'int32'), classes).toFloat() as tfjs.Tensor2D,
  }));
}

/** Trains every trainable layer of `model` in place (compiling it with Adam and categorical cross-entropy). */
export async function train(
  tf: Tf,
  model: tfjs.LayersModel,
  task: TaskImages,
  classes: number,
  options: TrainOptions,
): Promise<void> {
  model.compile({ optimizer: tf.train.adam(options.learningRate), loss: 'categoricalCrossentropy' });
  const { x, y } = taskTensors(tf, task, classes);
  const random = seededRandom(options.seed);
  const order = Array.from({ length: task.count }, (_, i) => i);
  try {
    for (let epoch = 1; epoch <= options.epochs; epoch++) {
      const permutation = shuffled(order, random);
      let lossSum = 0;
      let steps = 0;
      for (let start = 0; start < task.count; start += options.batchSize) {
        const batchIndices = tf.tensor1d(permutation.slice(start, start + options.batchSize), 'int32');
        const [xb, yb] = tf.tidy(() => [tf.gather(x, batchIndices), tf.gather(y, batchIndices)]);
        const loss = await model.trainOnBatch(xb as tfjs.Tensor, yb as tfjs.Tensor);
        tf.dispose([batchIndices, xb, yb]);
        const value = Array.isArray(loss) ? (loss[0] ?? NaN) : loss;
        if (!Number.isFinite(value))
          throw new DivergedTrainingError(`loss became ${value} at epoch ${epoch}, step ${steps + 1}`);
        lossSum += value;
        steps++;
      }
      options.onEpoch?.(epoch, lossSum / Math.max(1, steps));
    }
  } finally {
    tf.dispose([x, y]);
  }
}

/** Fraction of `task`'s samples whose arg-max prediction equals the label, in [0, 1] (higher is better). */
export async function accuracy(
  tf: Tf,
  model: tfjs.LayersModel,
  task: TaskImages,
  batchSize = 256,
): Promise<number> {
  let correct = 0;
  for (let start = 0; start < task.count; start += batchSize) {
    const end = Math.min(task.count, start + batchSize);
    const predicted = tf.tidy(() => {
      const xb = tf.tensor4d(
        task.images.subarray(start * task.rows * task.cols, end * task.rows * task.cols),
        [end - start, task.rows, task.cols, 1],
        'int32',
      );
      return (model.predict(xb.toFloat().div(255)) as tfjs.Tensor).argMax(-1);
    });
    const labels = await predicted.data();
    predicted.dispose();
    labels.forEach((label, i) => {
      if (label === task.labels[start + i]) correct++;
    });
  }
  return correct / Math.max(1, task.count);
}

/**
 * A new model sharing `pretrained`'s layers up to its feature layer, topped by a fresh seeded Dense softmax
 * head for `classes` classes: what full fine-tuning starts from. `pretrained` must not be used afterwards
 * except through the returned model (their layers are shared).
 */
export function withFreshHead(
  tf: Tf,
  pretrained: tfjs.LayersModel,
  classes: number,
  seed: number,
  featureLayer = FEATURE_LAYER,
): tfjs.LayersModel {
  const features = pretrained.getLayer(featureLayer).output as tfjs.SymbolicTensor;
  const head = tf.layers.dense({
    name: TARGET_CLASSIFIER_LAYER,
    units: classes,
    activation: 'softmax',
    kernelInitializer: tf.initializers.glorotUniform({ seed }),
  });
  return tf.model({ inputs: pretrained.inputs, outputs: head.apply(features) as tfjs.SymbolicTensor });
}

/**
 * Frees a model made by {@link withFreshHead} and the pre-trained model it came from. The shared layers
 * count one reference only (building a model from existing symbolic tensors does not add one), so the
 * pre-trained model is not disposed as a whole: only its layers the fine-tuned model lacks are.
 */
export function disposeFineTuned(tuned: tfjs.LayersModel, pretrained: tfjs.LayersModel): void {
  const kept = new Set(tuned.layers);
  tuned.dispose();
  for (const layer of pretrained.layers) if (!kept.has(layer)) layer.dispose();
}
