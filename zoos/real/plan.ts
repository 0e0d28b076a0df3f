/**
 * What the real-network zoo is made of: the pre-trained networks registry packages ship (with where their
 * files are and how they were trained), the cut points that make candidates of them, and the target task.
 * Nobody here trained any of these weights.
 */
import type { FeaturePooling } from '../../activities/training/types.js';

/** A network as a registry package ships it. */
export interface RealNetwork {
  id: string;
  /** npm package and exact version that ships the weights. */
  package: { name: string; version: string };
  /** Folder inside the package holding the nsfwjs-format bundle (`model.min.js` + shard bundles). */
  bundleFolder: string;
  architecture: string;
  /** What the weights were trained on, as far as the package documents it. */
  pretraining: string;
  format: 'layers-model' | 'graph-model';
  /** Input the network takes, [H, W, C]. */
  inputShape: [number, number, number];
  /**
   * Pixel normalisation the package itself applies before the network (nsfwjs: `x / 255` for all three;
   * the TF-Hub MobileNetV2 maps [0,1] to [-1,1] inside its graph).
   */
  normalisation: '[0,1]';
}

/** One candidate: a network cut at a feature layer, pooled to a vector if the layer is spatial. */
export interface RealCandidate {
  id: string;
  network: string;
  /** Layer (LayersModel) or node (GraphModel) whose output feeds the probe. */
  featureLayer: string;
  featurePooling: FeaturePooling;
  /** Where the cut is, in words. */
  depth: string;
}

const NSFWJS = { name: 'nsfwjs', version: '4.4.0' } as const;

export const REAL_NETWORKS: readonly RealNetwork[] = [
  {
    id: 'mobilenet-v2',
    package: NSFWJS,
    bundleFolder: 'dist/models/mobilenet_v2',
    architecture: 'MobileNetV2 (width 1.0), Keras 2.2.4, 3 Dense layers on top',
    pretraining:
      'ImageNet-initialised, fine-tuned on ~60k images of 5 NSFW classes (drawing, hentai, neutral, porn, sexy; nsfw_model)',
    format: 'layers-model',
    inputShape: [224, 224, 3],
    normalisation: '[0,1]',
  },
  {
    id: 'mobilenet-v2-140',
    package: NSFWJS,
    bundleFolder: 'dist/models/mobilenet_v2_mid',
    architecture: 'MobileNetV2 (width 1.4), TF-Hub feature-vector module + one Dense layer; TF.js GraphModel',
    pretraining:
      'ImageNet (TF-Hub imagenet/mobilenet_v2_140_224/feature_vector), head trained on the 5 NSFW classes',
    format: 'graph-model',
    inputShape: [224, 224, 3],
    normalisation: '[0,1]',
  },
  {
    id: 'inception-v3',
    package: NSFWJS,
    bundleFolder: 'dist/models/inception_v3',
    architecture: 'InceptionV3, Keras 2.2.4, 3 Dense layers on top',
    pretraining: 'ImageNet-initialised, fine-tuned on the 5 NSFW classes (nsfw_model)',
    format: 'layers-model',
    inputShape: [299, 299, 3],
    normalisation: '[0,1]',
  },
];

/** Prefix of every node of the TF-Hub MobileNetV2 graph nsfwjs ships. */
const HUB =
  'StatefulPartitionedCall/sequential/keras_layer/StatefulPartitionedCall/StatefulPartitionedCall/StatefulPartitionedCall/predict/';

export const REAL_CANDIDATES: readonly RealCandidate[] = [
  {
    id: 'mnv2-block6-expand',
    network: 'mobilenet-v2',
    featureLayer: 'block_6_expand_relu',
    featurePooling: 'average',
    depth: 'block 6 of 16, expansion ReLU, 28×28×192 (stride 8), average-pooled',
  },
  {
    id: 'mnv2-block13-expand',
    network: 'mobilenet-v2',
    featureLayer: 'block_13_expand_relu',
    featurePooling: 'average',
    depth: 'block 13 of 16, expansion ReLU, 14×14×576 (stride 16), average-pooled',
  },
  {
    id: 'mnv2-top',
    network: 'mobilenet-v2',
    featureLayer: 'average_pooling2d_1',
    featurePooling: 'none',
    depth: 'the backbone output: 7×7×1280 after the network’s own 7×7 average pool',
  },
  {
    id: 'mnv2-nsfw-dense',
    network: 'mobilenet-v2',
    featureLayer: 'dense_1',
    featurePooling: 'none',
    depth: 'first Dense layer of the NSFW head (256, ReLU), trained only on the NSFW task',
  },
  {
    id: 'mnv2-140-block5',
    network: 'mobilenet-v2-140',
    featureLayer: `${HUB}MobilenetV2/expanded_conv_5/add`,
    featurePooling: 'average',
    depth: 'inverted-residual block 5 output, 28×28×48 (stride 8), average-pooled',
  },
  {
    id: 'mnv2-140-block12',
    network: 'mobilenet-v2-140',
    featureLayer: `${HUB}MobilenetV2/expanded_conv_12/add`,
    featurePooling: 'average',
    depth: 'inverted-residual block 12 output, 14×14×136 (stride 16), average-pooled',
  },
  {
    id: 'mnv2-140-top',
    network: 'mobilenet-v2-140',
    featureLayer: `${HUB}feature_vector/SpatialSqueeze`,
    featurePooling: 'none',
    depth: 'the TF-Hub feature vector (1792, global average pool of the last 7×7 map)',
  },
  {
    id: 'inception-mixed2',
    network: 'inception-v3',
    featureLayer: 'mixed2',
    featurePooling: 'average',
    depth: 'Inception block mixed2, 35×35×288, average-pooled',
  },
  {
    id: 'inception-mixed5',
    network: 'inception-v3',
    featureLayer: 'mixed5',
    featurePooling: 'average',
    depth: 'Inception block mixed5, 17×17×768, average-pooled',
  },
  {
    id: 'inception-mixed7',
    network: 'inception-v3',
    featureLayer: 'mixed7',
    featurePooling: 'average',
    depth: 'Inception block mixed7, 17×17×768, average-pooled',
  },
  {
    id: 'inception-top',
    network: 'inception-v3',
    featureLayer: 'average_pooling2d_10',
    featurePooling: 'none',
    depth: 'the backbone output: mixed10 (8×8×2048) after the network’s own 8×8 average pool',
  },
  {
    id: 'inception-nsfw-dense',
    network: 'inception-v3',
    featureLayer: 'dense_1',
    featurePooling: 'none',
    depth: 'first Dense layer of the NSFW head (256, ReLU), trained only on the NSFW task',
  },
];

/** The target task: all ten Fashion-MNIST classes, grayscale 28×28, resized by ncap to each network's input. */
export interface TargetPlan {
  /** Seed of the stratified subsets. */
  seed: number;
  train: number;
  validation: number;
  test: number;
}

export const TARGET_PLAN: TargetPlan = { seed: 20261201, train: 600, validation: 300, test: 600 };
/** Every Fashion-MNIST class, labels kept. */
export const TARGET_CLASSES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] as const;
