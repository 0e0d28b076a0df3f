import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ARCHITECTURES,
  buildBackbone,
  CLASSIFIER_LAYER,
  FEATURE_LAYER,
} from '../../../../zoos/fashion/architectures.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const weightsOf = (model: tf.LayersModel): Float32Array[] =>
  model.getWeights().map((w) => w.dataSync() as Float32Array);

describe.each(ARCHITECTURES)('%s backbone', (architecture) => {
  it('maps 28×28×1 images through `features` into a 5-way softmax `classifier`', () => {
    const model = buildBackbone(tf, { architecture, width: 4, classes: 5, seed: 1 });
    expect(model.inputs[0]?.shape).toEqual([null, 28, 28, 1]);
    const classifier = model.getLayer(CLASSIFIER_LAYER);
    expect(model.layers[model.layers.length - 1]).toBe(classifier);
    expect(classifier.getClassName()).toBe('Dense');
    // The classifier's only input is the feature layer's output.
    const inbound = classifier.inboundNodes[0]?.inboundLayers ?? [];
    expect(inbound.map((layer) => layer.name)).toEqual([FEATURE_LAYER]);
    const features = model.getLayer(FEATURE_LAYER).outputShape as number[];
    expect(features).toHaveLength(2);
    const x = tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 5);
    const probabilities = (model.predict(x) as tf.Tensor).arraySync() as number[][];
    expect(probabilities).toHaveLength(3);
    for (const row of probabilities) {
      expect(row).toHaveLength(5);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
    expect(model.countParams()).toBe(model.getWeights().reduce((n, w) => n + w.size, 0));
    model.dispose();
  });

  it('is reproducible from its seed and differs between seeds', () => {
    const [a, b, c] = [1, 1, 2].map((seed) =>
      buildBackbone(tf, { architecture, width: 4, classes: 5, seed }),
    );
    const [wa, wb, wc] = [a, b, c].map((m) => weightsOf(m as tf.LayersModel));
    expect(wa).toEqual(wb);
    expect(wa).not.toEqual(wc);
    [a, b, c].forEach((m) => m?.dispose());
  });

  it('grows with its width', () => {
    const narrow = buildBackbone(tf, { architecture, width: 4, classes: 5, seed: 1 });
    const wide = buildBackbone(tf, { architecture, width: 8, classes: 5, seed: 1 });
    expect(wide.countParams()).toBeGreaterThan(narrow.countParams());
    narrow.dispose();
    wide.dispose();
  });
});
