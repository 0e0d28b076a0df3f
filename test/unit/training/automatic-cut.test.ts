/**
 * The automatic cut of headless backbones (Keras `include_top=False`): small models built here with the
 * tails of MobileNetV2 and ResNet50 (layer names as Keras writes them), with and without Keras's
 * `pooling='avg'`; models with a classifier keep the cut at its input.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { validateRecordedSpec, validateSweepSpec } from '../../../activities/spec/sweep-spec.js';
import { toTrainingInput } from '../../../activities/spec/training-input.js';
import {
  cutBackbone,
  graphFeatureCut,
  loadZooModel,
  selectFeatureLayer,
} from '../../../activities/training/model-zoo.js';
import { nearestNames } from '../../../activities/training/nearest-names.js';
import { tempDir, tf, tinyConvModel, useCpuBackend, writeIdentityGraphModel } from './helpers.js';

beforeAll(() => useCpuBackend());

type ST = tf.SymbolicTensor;
const apply = (layer: tf.layers.Layer, x: ST | ST[]): ST => layer.apply(x) as ST;

/** MobileNetV2's tail: block_16_project → block_16_project_BN → Conv_1 → Conv_1_bn → out_relu [→ GAP]. */
function mobileNetV2Tail(pooled: boolean): tf.LayersModel {
  const input = tf.input({ shape: [6, 6, 3] });
  let x = apply(tf.layers.conv2d({ filters: 4, kernelSize: 1, name: 'block_16_project' }), input);
  x = apply(tf.layers.batchNormalization({ name: 'block_16_project_BN' }), x);
  x = apply(tf.layers.conv2d({ filters: 5, kernelSize: 1, name: 'Conv_1' }), x);
  x = apply(tf.layers.batchNormalization({ name: 'Conv_1_bn' }), x);
  x = apply(tf.layers.reLU({ maxValue: 6, name: 'out_relu' }), x);
  if (pooled) x = apply(tf.layers.globalAveragePooling2d({ name: 'global_average_pooling2d' }), x);
  return tf.model({ inputs: input, outputs: x });
}

/** ResNet50's last block: conv5_block3_2_relu → _3_conv → _3_bn → add(shortcut) → conv5_block3_out. */
function resNet50Tail(): tf.LayersModel {
  const input = tf.input({ shape: [4, 4, 3] });
  const shortcut = apply(tf.layers.conv2d({ filters: 6, kernelSize: 1, name: 'conv5_block2_out' }), input);
  let x = apply(
    tf.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same', name: 'conv5_block3_2_conv' }),
    shortcut,
  );
  x = apply(tf.layers.batchNormalization({ name: 'conv5_block3_2_bn' }), x);
  x = apply(tf.layers.activation({ activation: 'relu', name: 'conv5_block3_2_relu' }), x);
  x = apply(tf.layers.conv2d({ filters: 6, kernelSize: 1, name: 'conv5_block3_3_conv' }), x);
  x = apply(tf.layers.batchNormalization({ name: 'conv5_block3_3_bn' }), x);
  x = apply(tf.layers.add({ name: 'conv5_block3_add' }), [shortcut, x]);
  x = apply(tf.layers.activation({ activation: 'relu', name: 'conv5_block3_out' }), x);
  return tf.model({ inputs: input, outputs: x });
}

/** Oracle: the model's own output averaged over h and w in plain JS. */
function averagedOutput(model: tf.LayersModel, x: tf.Tensor): number[][] {
  const maps = (model.predict(x) as tf.Tensor).arraySync() as number[][][][];
  return maps.map((image) => {
    const cells = image.flat();
    return cells[0]!.map((_, c) => cells.reduce((s, cell) => s + cell[c]!, 0) / cells.length);
  });
}

describe('automatic cut of headless backbones', () => {
  it("MobileNetV2 without pooling: cut at 'out_relu', average-pooled under 'auto' to its channels", () => {
    const model = mobileNetV2Tail(false);
    const cut = selectFeatureLayer(model, 'mem://mnv2', undefined, 'auto');
    expect(cut.layerName).toBe('out_relu');
    expect(cut.pooling).toBe('average');
    expect(cut.featureShape).toEqual([5]);
    expect(cut.reason).toMatch(/headless.*'Conv_1'/);
    const x = tf.randomUniform([2, 6, 6, 3], 0, 1, 'float32', 3);
    const features = (cutBackbone(tf, model, cut).predict(x) as tf.Tensor).arraySync() as number[][];
    const expected = averagedOutput(model, x);
    features.forEach((row, i) => row.forEach((v, c) => expect(v).toBeCloseTo(expected[i]![c]!, 5)));
    // An explicit 'none' keeps flattening, as a recorded spec asked.
    expect(selectFeatureLayer(model, 'mem://mnv2', undefined, 'none').featureDim).toBe(6 * 6 * 5);
    x.dispose();
    model.dispose();
  });

  it("MobileNetV2 with pooling='avg': cut at 'global_average_pooling2d', nothing pooled again", () => {
    const model = mobileNetV2Tail(true);
    const cut = selectFeatureLayer(model, 'mem://mnv2', undefined, 'auto');
    expect(cut.layerName).toBe('global_average_pooling2d');
    expect(cut.pooling).toBe('none');
    expect(cut.featureShape).toEqual([5]);
    model.dispose();
  });

  it("ResNet50: cut at 'conv5_block3_out', after the residual add", () => {
    const model = resNet50Tail();
    const cut = selectFeatureLayer(model, 'mem://r50', undefined, 'auto');
    expect(cut.layerName).toBe('conv5_block3_out');
    expect(cut.featureShape).toEqual([6]);
    model.dispose();
  });

  it('a model with a Dense classifier keeps the cut at its input, and auto does not pool a named layer', () => {
    const model = tinyConvModel({ hidden: 7 });
    const cut = selectFeatureLayer(model, 'mem://m', undefined, 'auto');
    expect(cut.layerName).toBe('features');
    expect(cut.pooling).toBe('none');
    expect(selectFeatureLayer(model, 'mem://m', 'pool', 'auto').pooling).toBe('none');
    model.dispose();
  });

  it('a 1×1-convolution classifier with a softmax (MobileNetV1 style) is a head: cut at its input', () => {
    const input = tf.input({ shape: [4, 4, 3] });
    let x = apply(tf.layers.conv2d({ filters: 4, kernelSize: 1, name: 'conv_pw_13' }), input);
    x = apply(tf.layers.globalAveragePooling2d({ name: 'gap' }), x);
    x = apply(tf.layers.reshape({ targetShape: [1, 1, 4], name: 'reshape_1' }), x);
    x = apply(tf.layers.conv2d({ filters: 3, kernelSize: 1, name: 'conv_preds' }), x);
    x = apply(tf.layers.reshape({ targetShape: [3], name: 'reshape_2' }), x);
    x = apply(tf.layers.activation({ activation: 'softmax', name: 'act_softmax' }), x);
    const model = tf.model({ inputs: input, outputs: x });
    expect(selectFeatureLayer(model, 'mem://mnv1', undefined, 'auto').layerName).toBe('reshape_1');
    model.dispose();
  });
});

describe("featurePooling 'auto' in specs", () => {
  const raw = (candidate: Record<string, unknown> = {}) => ({
    name: 'auto',
    dataset: { uri: 'file:///data/x.safetensors' },
    candidates: [{ id: 'a', model: 'file:///zoo/a/model.json', ...candidate }],
  });

  it("a new spec records 'auto'; a recorded spec without it keeps the 'none' it meant; explicit values stay", () => {
    const fresh = validateSweepSpec(raw());
    expect(fresh.candidates[0]!.featurePooling).toBe('auto');
    expect(toTrainingInput(fresh, 's', 'a').model.featurePooling).toBe('auto');
    expect(validateRecordedSpec(fresh).candidates[0]!.featurePooling).toBe('auto');
    expect(validateRecordedSpec(raw()).candidates[0]!.featurePooling).toBe('none');
    expect(toTrainingInput(validateRecordedSpec(raw()), 's', 'a').model.featurePooling).toBe('none');
    for (const p of ['none', 'average', 'max'] as const) {
      expect(validateSweepSpec(raw({ featurePooling: p })).candidates[0]!.featurePooling).toBe(p);
      expect(validateRecordedSpec(raw({ featurePooling: p })).candidates[0]!.featurePooling).toBe(p);
    }
  });
});

describe('a featureLayer that does not exist', () => {
  it('ranks substrings, then edit distance, at most five', () => {
    const names = [
      'conv1',
      'conv1_relu',
      'block_16_project_BN',
      'out_relu',
      'Conv_1_bn',
      'Conv_1',
      'pool',
      'x',
    ];
    expect(nearestNames('out_rel', names)).toEqual(['out_relu', 'conv1_relu', 'Conv_1', 'pool', 'conv1']);
    expect(nearestNames('Conv_l', names, 2)).toEqual(['Conv_1', 'conv1']);
  });

  it('on a GraphModel lists the nearest node names', async () => {
    const dir = await tempDir();
    try {
      const loaded = await loadZooModel(`file://${await writeIdentityGraphModel(dir.path, 4)}/`, { tf });
      if (loaded.format !== 'graph-model') throw new Error('expected a graph model');
      expect(graphFeatureCut(loaded, 'Identity:0').node).toBe('Identity:0');
      expect(() => graphFeatureCut(loaded, 'Identiy')).toThrow(
        /no node named 'Identiy'.*nearest of its 2 nodes: Identity, x/,
      );
      loaded.model.dispose();
    } finally {
      await dir.cleanup();
    }
  });
});
