/**
 * The input adapter of inference-only models: layout, batch axis and dtype read from the declared input,
 * and GraphModels fed as they ask (a fixed batch of 1, NCHW, int32), as real graph models declare them.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inferenceExtractor } from '../../../activities/training/candidate-model.js';
import { IncompatibleModelError } from '../../../activities/training/errors.js';
import { describeModelInput } from '../../../activities/training/input-layout.js';
import {
  loadZooModel,
  modelInputShape,
  type LoadedGraphModel,
} from '../../../activities/training/model-zoo.js';
import { writeIdentityGraphModel } from '../../support/tiny-graph-model.js';
import { seededRandom, tempDir, tf, useCpuBackend } from './helpers.js';

let dir: { path: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  await useCpuBackend();
  dir = await tempDir('layout');
});
afterAll(() => dir.cleanup());

describe('describeModelInput', () => {
  it('reads NCHW or NHWC from the axis of size 1 or 3, else the format convention', () => {
    expect(describeModelInput([-1, 3, 224, 224], 'float32', 'NHWC', 'm')).toMatchObject({
      layout: 'NCHW',
      batch: null,
      sampleShape: [224, 224, 3],
    });
    expect(describeModelInput(['batch', 96, 96, 1], 'float32', 'NCHW', 'm')).toMatchObject({
      layout: 'NHWC',
      sampleShape: [96, 96, 1],
    });
    expect(describeModelInput([1, 3, 8, 3], 'int32', 'NCHW', 'm').layout).toBe('NCHW');
    expect(describeModelInput([1, 3, 8, 3], 'int32', 'NHWC', 'm').layout).toBe('NHWC');
    expect(describeModelInput([8, 5], 'float32', 'NHWC', 'm')).toMatchObject({
      layout: 'vector',
      batch: 8,
      sampleShape: [5],
    });
  });

  it('rejects element types and ranks it cannot feed, naming what it feeds', () => {
    expect(() => describeModelInput([1, 3, 8, 8], 'float16', 'NCHW', 'm')).toThrow(
      /takes float16 input; ncap feeds float32, int32, uint8/,
    );
    expect(() => describeModelInput([1, 8, 8], 'float32', 'NCHW', 'm')).toThrow(IncompatibleModelError);
  });
});

/** A GraphModel `x → Cast(float) → Identity` whose placeholder has `shape` and `dtype`. */
const writeGraphModel = (name: string, shape: number[], dtype: 'DT_FLOAT' | 'DT_INT32') =>
  writeIdentityGraphModel(join(dir.path, name), shape, dtype);

/** Frozen features of `values` (NHWC `[n, h, w, c]`) through the model's extractor. */
async function graphFeatures(
  zoo: LoadedGraphModel,
  values: Float32Array,
  shape: number[],
): Promise<number[]> {
  const { extractor } = inferenceExtractor(tf, zoo, undefined, 'none');
  if (extractor.kind !== 'sync') throw new Error('a GraphModel extractor is synchronous');
  const out = tf.tidy(() => extractor.extract(tf.tensor(values, shape)));
  try {
    expect(out.shape[0]).toBe(shape[0]);
    return Array.from(await out.data());
  } finally {
    out.dispose();
  }
}

const N = 5;
const [H, W, C] = [4, 5, 3];
const random = seededRandom(4);
const nhwc = Float32Array.from({ length: N * H * W * C }, () => random() * 255);

describe('GraphModels fed as they ask', () => {
  it('an NCHW input with a fixed batch of 1 gets each sample transposed, one at a time', async () => {
    const zoo = (await loadZooModel(await writeGraphModel('nchw1', [1, C, H, W], 'DT_FLOAT'), {
      tf,
    })) as LoadedGraphModel;
    try {
      expect(modelInputShape(zoo)).toEqual([H, W, C]);
      const features = await graphFeatures(zoo, nhwc, [N, H, W, C]);
      // Oracle: the NCHW order of each sample, by index arithmetic.
      const expected: number[] = [];
      for (let n = 0; n < N; n++)
        for (let c = 0; c < C; c++)
          for (let h = 0; h < H; h++)
            for (let w = 0; w < W; w++) expected.push(nhwc[((n * H + h) * W + w) * C + c] as number);
      expect(features.length).toBe(expected.length);
      features.forEach((v, i) => expect(v).toBeCloseTo(expected[i] as number, 3));
    } finally {
      zoo.model.dispose();
    }
  });

  it('an int32 input with a fixed batch of 2 gets rounded integers, the last batch padded and dropped', async () => {
    const zoo = (await loadZooModel(await writeGraphModel('int2', [2, H, W, C], 'DT_INT32'), {
      tf,
    })) as LoadedGraphModel;
    try {
      const features = await graphFeatures(zoo, nhwc, [N, H, W, C]);
      expect(features).toEqual(Array.from(nhwc, (v) => Math.round(v)));
    } finally {
      zoo.model.dispose();
    }
  });
});
