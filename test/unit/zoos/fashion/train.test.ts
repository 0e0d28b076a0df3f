import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildBackbone, FEATURE_LAYER } from '../../../../zoos/fashion/architectures.js';
import type { TaskImages } from '../../../../zoos/fashion/class-subsets.js';
import {
  accuracy,
  disposeFineTuned,
  TARGET_CLASSIFIER_LAYER,
  train,
  withFreshHead,
} from '../../../../zoos/fashion/train.js';
import { syntheticImages } from './synthetic-fashion.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** The synthetic images of classes 0..classes-1 as a task. */
function task(perClass: number, seed: number, classes = 5): TaskImages {
  const all = syntheticImages(perClass, seed);
  const keep = Array.from({ length: all.count }, (_, i) => i).filter((i) => (all.labels[i] ?? 0) < classes);
  const images = new Uint8Array(keep.length * 784);
  keep.forEach((index, i) => images.set(all.images.subarray(index * 784, (index + 1) * 784), i * 784));
  return {
    count: keep.length,
    rows: 28,
    cols: 28,
    images,
    labels: Int32Array.from(keep, (i) => all.labels[i] ?? 0),
  };
}

describe('accuracy', () => {
  it('matches a direct count of arg-max hits, across batch boundaries', async () => {
    const data = task(7, 3);
    const model = buildBackbone(tf, { architecture: 'mlp', width: 8, classes: 5, seed: 3 });
    const x = tf.tensor4d(data.images, [data.count, 28, 28, 1], 'int32').toFloat().div(255);
    const rows = (model.predict(x) as tf.Tensor).arraySync() as number[][];
    const hits = rows.filter((row, i) => row.indexOf(Math.max(...row)) === data.labels[i]).length;
    expect(await accuracy(tf, model, data, 4)).toBeCloseTo(hits / data.count, 10);
    model.dispose();
  });
});

describe('train', () => {
  it('learns a separable task, reproducibly for a given seed', async () => {
    const trainSet = task(20, 1);
    const testSet = task(10, 2);
    const run = async (seed: number): Promise<{ acc: number; losses: number[]; weights: number[] }> => {
      const model = buildBackbone(tf, { architecture: 'mlp', width: 16, classes: 5, seed: 1 });
      const losses: number[] = [];
      await train(tf, model, trainSet, 5, {
        epochs: 4,
        batchSize: 16,
        learningRate: 0.01,
        seed,
        onEpoch: (_, loss) => losses.push(loss),
      });
      const result = {
        acc: await accuracy(tf, model, testSet),
        losses,
        weights: [...(model.getWeights()[0]?.dataSync() ?? [])],
      };
      model.dispose();
      return result;
    };
    const first = await run(1);
    expect(first.losses).toHaveLength(4);
    expect(first.losses[3]).toBeLessThan(first.losses[0] ?? 0);
    expect(first.acc).toBeGreaterThan(0.9);
    expect((await run(1)).weights).toEqual(first.weights);
    expect((await run(2)).weights).not.toEqual(first.weights);
  });
});

describe('withFreshHead', () => {
  it('keeps the layers up to `features` and adds a seeded head of the asked width', () => {
    const model = buildBackbone(tf, { architecture: 'cnn', width: 2, classes: 5, seed: 1 });
    const tuned = withFreshHead(tf, model, 3, 9);
    expect(tuned.outputs[0]?.shape).toEqual([null, 3]);
    expect(tuned.getLayer(FEATURE_LAYER)).toBe(model.getLayer(FEATURE_LAYER));
    const head = tuned.getLayer(TARGET_CLASSIFIER_LAYER);
    const again = withFreshHead(
      tf,
      buildBackbone(tf, { architecture: 'cnn', width: 2, classes: 5, seed: 1 }),
      3,
      9,
    );
    expect(head.getWeights()[0]?.dataSync()).toEqual(
      again.getLayer(TARGET_CLASSIFIER_LAYER).getWeights()[0]?.dataSync(),
    );
    expect(tuned.layers.map((l) => l.name)).not.toContain('classifier');
  });
});

describe('disposeFineTuned', () => {
  it('frees every weight of both models exactly once', () => {
    const before = tf.memory().numTensors;
    const pretrained = buildBackbone(tf, { architecture: 'residual-cnn', width: 2, classes: 5, seed: 1 });
    const tuned = withFreshHead(tf, pretrained, 5, 2);
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    expect(() => disposeFineTuned(tuned, pretrained)).not.toThrow();
    expect(tf.memory().numTensors).toBe(before);
  });
});
