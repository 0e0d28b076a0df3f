/**
 * With the replacement kernels, conv nets (plain, MobileNet-style depthwise, residual with
 * BatchNormalization) train on wasm and cpu: the loss falls on a separable problem and repeated steps
 * leak no tensors.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerGradientKernels } from '../../../activities/tf/kernels/register-gradient-kernels.js';
import { startTfRuntime } from '../../../activities/tf/runtime.js';
import { makeToyImages } from '../../support/toy-data.js';
import { TOY_CONV_NETS, buildToyConvNet, type ToyConvNet } from '../../support/toy-models.js';

const SILENT = { info: () => {}, warn: () => {} };
const INPUT: [number, number, number] = [12, 12, 1];
const CLASSES = 3;

beforeAll(async () => {
  await startTfRuntime({ backend: 'wasm', logger: SILENT });
  registerGradientKernels(tf, 'cpu');
});

/** A toy backbone with a softmax head: [B, 12, 12, 1] → [B, CLASSES]. */
function classifier(architecture: ToyConvNet, seed: number): tf.LayersModel {
  const backbone = buildToyConvNet(tf, architecture, { inputShape: INPUT, featureDim: 16, seed });
  const head = tf.layers
    .dense({ units: CLASSES, activation: 'softmax' })
    .apply(backbone.outputs[0]!) as tf.SymbolicTensor;
  return tf.model({ inputs: backbone.inputs, outputs: head });
}

function dataset(count: number, seed: number): { xs: tf.Tensor4D; ys: tf.Tensor1D } {
  const data = makeToyImages({ count, shape: INPUT, classes: CLASSES, seed });
  return { xs: tf.tensor4d(data.images, data.shape), ys: tf.tensor1d(data.labels, 'float32') };
}

describe.each(['wasm', 'cpu'])('training conv nets on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
  });

  // A leak repeats every step, so the slower nets need fewer steps to show one.
  it.each(
    TOY_CONV_NETS.map((architecture) => [architecture, architecture === 'small-cnn' ? 100 : 10] as const),
  )('%s: %i steps leak no tensors', (architecture, steps) => {
    const model = classifier(architecture, 3);
    const optimizer = tf.train.adam(1e-3);
    const { xs, ys } = dataset(8, 4);
    const labels = tf.oneHot(tf.cast(ys, 'int32'), CLASSES);
    const step = () =>
      tf.tidy(() => {
        optimizer.minimize(() => {
          const predictions = model.apply(xs, { training: true }) as tf.Tensor;
          return tf.losses.softmaxCrossEntropy(labels, tf.log(tf.add(predictions, 1e-7)));
        });
      });
    step(); // the first step creates the optimizer's slots
    const after = { tensors: tf.memory().numTensors, buffers: tf.memory().numDataBuffers };
    for (let i = 1; i < steps; i++) step();
    expect({ tensors: tf.memory().numTensors, buffers: tf.memory().numDataBuffers }).toEqual(after);
    optimizer.dispose();
    model.dispose();
    tf.dispose([xs, ys, labels]);
  });

  // The kernels' numerics are checked on both backends in gradient-kernels.test.ts; learning on wasm only.
  it.runIf(backend === 'wasm').each(TOY_CONV_NETS)(
    '%s: the loss falls on a separable problem',
    async (architecture) => {
      const model = classifier(architecture, 5);
      model.compile({
        optimizer: tf.train.adam(3e-3),
        loss: 'sparseCategoricalCrossentropy',
        metrics: ['accuracy'],
      });
      const { xs, ys } = dataset(96, 6);
      const initial = (model.evaluate(xs, ys) as tf.Scalar[]).map((t) => t.dataSync()[0]!);
      const history = await model.fit(xs, ys, { epochs: 8, batchSize: 16, shuffle: false, verbose: 0 });
      const losses = history.history.loss as number[];
      // BatchNormalization nets are judged in inference mode too (moving statistics must have been updated).
      const [finalLoss, finalAccuracy] = (model.evaluate(xs, ys) as tf.Scalar[]).map((t) => t.dataSync()[0]!);
      expect(losses.every(Number.isFinite)).toBe(true);
      expect(losses.at(-1)!).toBeLessThan(0.5 * initial[0]!);
      expect(finalLoss!).toBeLessThan(0.5 * initial[0]!);
      expect(finalAccuracy!).toBeGreaterThan(0.8);
      model.dispose();
      tf.dispose([xs, ys]);
    },
  );
});
