/**
 * The backbone architectures of the demo zoo. Every model maps a 28×28×1 image in [0, 1] to class
 * probabilities through a layer named `features` followed by one Dense softmax layer named `classifier`, so
 * the layer before the classifier is the feature layer a sweep cuts at. Initialisers are seeded.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from '../../activities/tf/tf-namespace.js';

type SymbolicTensor = tfjs.SymbolicTensor;

export const ARCHITECTURES = ['mlp', 'cnn', 'vgg-cnn', 'separable-cnn', 'residual-cnn'] as const;
/**
 * - `mlp`: two Dense ReLU layers (width, width/2); features = the second.
 * - `cnn`: conv(width) → pool → conv(2·width) → pool → Dense(64) features.
 * - `vgg-cnn`: conv(width) → pool → two convs (2·width) → pool → conv(4·width) → global average pooled features.
 * - `separable-cnn`: conv stem (width) → pool → depthwise-separable conv (2·width) → pool → separable
 *   conv (4·width) → global average pooled features.
 * - `residual-cnn`: conv + BatchNorm stems (width, 2·width) each followed by pooling and one two-conv
 *   residual block, global average pooled features.
 * Early pooling keeps every net cheap enough to train on a CPU. With {@link BackboneSpec.featureWidth} set,
 * every architecture ends in a Dense ReLU `features` layer of that width instead (`mlp`: the second
 * hidden layer; `cnn`: its Dense layer; the others: on top of their pooled output, renamed `pooled`), so
 * candidates of different families have features of one width.
 */
export type Architecture = (typeof ARCHITECTURES)[number];

export const FEATURE_LAYER = 'features';
export const CLASSIFIER_LAYER = 'classifier';
export const INPUT_SHAPE = [28, 28, 1] as const;

export interface BackboneSpec {
  architecture: Architecture;
  /** Base width: hidden units (`mlp`) or filters of the first stage (convolutional nets); ≥ 2. */
  width: number;
  /** Number of output classes of the classifier. */
  classes: number;
  /** Seed of every initialiser. */
  seed: number;
  /** Width of the `features` layer, the same for every architecture. @default the architecture's own (see {@link Architecture}) */
  featureWidth?: number;
}

/** Builds an untrained backbone + classifier for `spec`. */
export function buildBackbone(tf: Tf, spec: BackboneSpec): tfjs.LayersModel {
  let layerIndex = 0;
  // Every layer gets its own seed: one shared seed would give same-shaped layers identical weights.
  const init = (kind: 'glorot' | 'he'): ReturnType<Tf['initializers']['heNormal']> => {
    const seed = spec.seed * 1000 + layerIndex++;
    return kind === 'he' ? tf.initializers.heNormal({ seed }) : tf.initializers.glorotUniform({ seed });
  };
  const conv = (
    x: SymbolicTensor,
    filters: number,
    name: string,
    activation: 'relu' | 'linear' = 'relu',
  ): SymbolicTensor =>
    tf.layers
      .conv2d({ name, filters, kernelSize: 3, padding: 'same', activation, kernelInitializer: init('he') })
      .apply(x) as SymbolicTensor;
  const pool = (x: SymbolicTensor, name: string): SymbolicTensor =>
    tf.layers.maxPooling2d({ name, poolSize: 2, strides: 2 }).apply(x) as SymbolicTensor;
  const dense = (
    x: SymbolicTensor,
    units: number,
    name: string,
    activation: 'relu' | 'softmax' = 'relu',
  ): SymbolicTensor =>
    tf.layers
      .dense({ name, units, activation, kernelInitializer: init(activation === 'relu' ? 'he' : 'glorot') })
      .apply(x) as SymbolicTensor;
  const gap = (x: SymbolicTensor): SymbolicTensor => {
    if (spec.featureWidth === undefined)
      return tf.layers.globalAveragePooling2d({ name: FEATURE_LAYER }).apply(x) as SymbolicTensor;
    const pooled = tf.layers.globalAveragePooling2d({ name: 'pooled' }).apply(x) as SymbolicTensor;
    return dense(pooled, spec.featureWidth, FEATURE_LAYER);
  };

  const input = tf.input({ shape: [...INPUT_SHAPE], name: 'image' });
  const w = spec.width;
  let features: SymbolicTensor;
  switch (spec.architecture) {
    case 'mlp': {
      const flat = tf.layers.flatten({ name: 'flatten' }).apply(input) as SymbolicTensor;
      features = dense(
        dense(flat, w, 'hidden'),
        spec.featureWidth ?? Math.max(1, Math.floor(w / 2)),
        FEATURE_LAYER,
      );
      break;
    }
    case 'cnn': {
      const x = pool(conv(pool(conv(input, w, 'conv1'), 'pool1'), 2 * w, 'conv2'), 'pool2');
      features = dense(
        tf.layers.flatten({ name: 'flatten' }).apply(x) as SymbolicTensor,
        spec.featureWidth ?? 64,
        FEATURE_LAYER,
      );
      break;
    }
    case 'vgg-cnn': {
      let x = pool(conv(input, w, 'conv1'), 'pool1');
      x = pool(conv(conv(x, 2 * w, 'conv2a'), 2 * w, 'conv2b'), 'pool2');
      features = gap(conv(x, 4 * w, 'conv3'));
      break;
    }
    case 'separable-cnn': {
      const separable = (x: SymbolicTensor, filters: number, name: string): SymbolicTensor =>
        tf.layers
          .separableConv2d({
            name,
            filters,
            kernelSize: 3,
            padding: 'same',
            activation: 'relu',
            depthwiseInitializer: init('he'),
            pointwiseInitializer: init('he'),
          })
          .apply(x) as SymbolicTensor;
      let x = pool(conv(input, w, 'stem'), 'pool1');
      x = pool(separable(x, 2 * w, 'sep1'), 'pool2');
      features = gap(separable(x, 4 * w, 'sep2'));
      break;
    }
    case 'residual-cnn': {
      const bnRelu = (x: SymbolicTensor, name: string, relu = true): SymbolicTensor => {
        // scale: true — tfjs-layers' BatchNormalization crashes in training with scale: false.
        const y = tf.layers
          .batchNormalization({ name: `${name}_bn`, scale: true, momentum: 0.9 })
          .apply(x) as SymbolicTensor;
        return relu
          ? (tf.layers.activation({ name: `${name}_relu`, activation: 'relu' }).apply(y) as SymbolicTensor)
          : y;
      };
      const block = (x: SymbolicTensor, filters: number, name: string): SymbolicTensor => {
        const y = bnRelu(
          conv(
            bnRelu(conv(x, filters, `${name}_conv1`, 'linear'), `${name}_1`),
            filters,
            `${name}_conv2`,
            'linear',
          ),
          `${name}_2`,
          false,
        );
        const sum = tf.layers.add({ name: `${name}_add` }).apply([x, y]) as SymbolicTensor;
        return tf.layers.activation({ name: `${name}_out`, activation: 'relu' }).apply(sum) as SymbolicTensor;
      };
      let x = pool(bnRelu(conv(input, w, 'stem1', 'linear'), 'stem1'), 'pool1');
      x = block(x, w, 'res1');
      x = pool(bnRelu(conv(x, 2 * w, 'stem2', 'linear'), 'stem2'), 'pool2');
      features = gap(block(x, 2 * w, 'res2'));
      break;
    }
  }
  const output = dense(features, spec.classes, CLASSIFIER_LAYER, 'softmax');
  return tf.model({ inputs: input, outputs: output, name: `${spec.architecture}-${w}` });
}
