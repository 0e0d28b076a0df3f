/**
 * Small seeded networks for the training benchmark and the TF.js runtime tests: a conv backbone, a
 * MobileNet-style depthwise net and a residual net with BatchNormalization (the layer kinds the model zoo
 * needs to train), and a probe MLP. Not the real NCP probe (activities/training/probe.ts builds that).
 */
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs';
import type { Tf } from '../../activities/tf/tf-namespace.js';

/** Options shared by the conv builders. */
export interface ToyConvNetOptions {
  /**
   * Input image shape [height, width, channels].
   * @default [28, 28, 1]
   */
  inputShape?: [number, number, number];
  /**
   * Width of the feature vector the backbone ends in.
   * @default 128
   */
  featureDim?: number;
  /**
   * Seed of the weight initialisers (same seed, same weights).
   * @default 1
   */
  seed?: number;
}

/** Options of {@link buildProbeMlp}. */
export interface ProbeMlpOptions {
  /** Width of the input features. */
  inputDim: number;
  /**
   * Hidden layer widths.
   * @default [256, 128, 64]
   */
  hidden?: readonly number[];
  /** Number of classes of the softmax head. */
  classes: number;
  /**
   * Seed of the weight initialisers.
   * @default 1
   */
  seed?: number;
}

/** Conv architectures {@link buildToyConvNet} can build. */
export const TOY_CONV_NETS = ['small-cnn', 'depthwise', 'residual-bn'] as const;
export type ToyConvNet = (typeof TOY_CONV_NETS)[number];

/**
 * A conv backbone ending in a `featureDim`-wide ReLU feature vector (input [B, H, W, C] → [B, featureDim]).
 * - `small-cnn`: conv 3×3 (16) → max-pool → conv 3×3 (32) → max-pool → dense.
 * - `depthwise`: conv 3×3/2 (16) → BN → [depthwise 3×3 ×2 → BN → ReLU6 → pointwise 1×1 (32) → BN → ReLU6]
 *   → depthwise 3×3/2 → separable 3×3 (48) → flatten → dense.
 * - `residual-bn`: conv 3×3 (16) → BN → ReLU → two residual blocks (conv → BN → ReLU → conv → BN, + skip,
 *   the second strided with a 1×1 projection) → average pool → flatten → dense.
 */
export function buildToyConvNet(
  tf: Tf,
  architecture: ToyConvNet,
  options: ToyConvNetOptions = {},
): LayersModel {
  const { inputShape = [28, 28, 1], featureDim = 128, seed = 1 } = options;
  let nextSeed = seed * 1000;
  const init = () => tf.initializers.glorotUniform({ seed: nextSeed++ });
  const conv = (filters: number, kernelSize: number, strides = 1) =>
    tf.layers.conv2d({ filters, kernelSize, strides, padding: 'same', kernelInitializer: init() });
  // Momentum 0.9 (not Keras' 0.99) so the moving statistics settle within a short toy run.
  const bn = () => tf.layers.batchNormalization({ momentum: 0.9 });
  const relu = () => tf.layers.reLU();
  const relu6 = () => tf.layers.reLU({ maxValue: 6 });

  const input = tf.input({ shape: inputShape });
  let x = input as SymbolicTensor;
  const apply = (
    layer: { apply: (t: SymbolicTensor | SymbolicTensor[]) => unknown },
    t: SymbolicTensor | SymbolicTensor[] = x,
  ) => layer.apply(t) as SymbolicTensor;
  switch (architecture) {
    case 'small-cnn':
      x = apply(
        tf.layers.conv2d({
          filters: 16,
          kernelSize: 3,
          padding: 'same',
          activation: 'relu',
          kernelInitializer: init(),
        }),
      );
      x = apply(tf.layers.maxPooling2d({ poolSize: 2 }));
      x = apply(
        tf.layers.conv2d({
          filters: 32,
          kernelSize: 3,
          padding: 'same',
          activation: 'relu',
          kernelInitializer: init(),
        }),
      );
      x = apply(tf.layers.maxPooling2d({ poolSize: 2 }));
      x = apply(tf.layers.flatten());
      break;
    case 'depthwise':
      x = apply(conv(16, 3, 2));
      x = apply(bn());
      x = apply(relu6());
      x = apply(
        tf.layers.depthwiseConv2d({
          kernelSize: 3,
          depthMultiplier: 2,
          padding: 'same',
          useBias: false,
          depthwiseInitializer: init(),
        }),
      );
      x = apply(bn());
      x = apply(relu6());
      x = apply(conv(32, 1));
      x = apply(bn());
      x = apply(relu6());
      x = apply(
        tf.layers.depthwiseConv2d({
          kernelSize: 3,
          strides: 2,
          padding: 'same',
          depthwiseInitializer: init(),
        }),
      );
      x = apply(
        tf.layers.separableConv2d({
          filters: 48,
          kernelSize: 3,
          padding: 'same',
          activation: 'relu',
          depthwiseInitializer: init(),
          pointwiseInitializer: init(),
        }),
      );
      // Flatten rather than global pooling: the toy problems are about where things are.
      x = apply(tf.layers.flatten());
      break;
    case 'residual-bn': {
      x = apply(conv(16, 3));
      x = apply(bn());
      x = apply(relu());
      for (const [filters, strides] of [
        [16, 1],
        [32, 2],
      ] as const) {
        const skip = strides === 1 && filters === 16 ? x : apply(conv(filters, 1, strides));
        let y = apply(conv(filters, 3, strides));
        y = apply(bn(), y);
        y = apply(relu(), y);
        y = apply(conv(filters, 3), y);
        y = apply(bn(), y);
        x = apply(tf.layers.add(), [skip, y]);
        x = apply(relu());
      }
      x = apply(tf.layers.averagePooling2d({ poolSize: 2 }));
      x = apply(tf.layers.flatten());
      break;
    }
  }
  x = apply(tf.layers.dense({ units: featureDim, activation: 'relu', kernelInitializer: init() }));
  return tf.model({ inputs: input, outputs: x, name: `toy-${architecture}` });
}

/** An MLP with a softmax head: [B, inputDim] → ReLU hidden layers → [B, classes] probabilities. */
export function buildProbeMlp(tf: Tf, options: ProbeMlpOptions): LayersModel {
  const { inputDim, hidden = [256, 128, 64], classes, seed = 1 } = options;
  let nextSeed = seed * 1000 + 500;
  const input = tf.input({ shape: [inputDim] });
  let x = input as SymbolicTensor;
  for (const units of hidden) {
    x = tf.layers
      .dense({
        units,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: nextSeed++ }),
      })
      .apply(x) as SymbolicTensor;
  }
  const output = tf.layers
    .dense({
      units: classes,
      activation: 'softmax',
      kernelInitializer: tf.initializers.glorotUniform({ seed: nextSeed++ }),
    })
    .apply(x) as SymbolicTensor;
  return tf.model({ inputs: input, outputs: output, name: 'toy-probe' });
}

/** Backbone followed by probe: [B, H, W, C] → [B, classes], sharing the given models' layers. */
export function stackModels(tf: Tf, backbone: LayersModel, probe: LayersModel): LayersModel {
  const input = tf.input({ shape: backbone.inputs[0]!.shape.slice(1) as number[] });
  const features = backbone.apply(input) as SymbolicTensor;
  const output = probe.apply(features) as SymbolicTensor;
  return tf.model({ inputs: input, outputs: output, name: `${backbone.name}+${probe.name}` });
}
