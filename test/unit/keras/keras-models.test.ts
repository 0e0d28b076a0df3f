/**
 * Keras models converted to TF.js (test/fixtures/keras, made by scripts/fixtures/make-keras-fixtures.py with
 * random weights) load through ncap's loader and compute Keras's own outputs; a Keras 3 topology is refused
 * with the way to convert it.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { IncompatibleModelError } from '../../../activities/training/errors.js';
import { KERAS_EPSILON } from '../../../activities/training/keras-layers.js';
import { loadZooModel } from '../../../activities/training/model-zoo.js';
import { tf, useCpuBackend } from '../training/helpers.js';

const FIXTURES = resolve('test', 'fixtures', 'keras');
const modelUri = (name: string) => pathToFileURL(join(FIXTURES, name, 'model.json')).href;

/** A little-endian float32 `.npy` file as a tensor (numpy's format, written by the fixture script). */
async function readNpy(path: string): Promise<tf.Tensor> {
  const bytes = await readFile(path);
  const headerLength = bytes.readUInt16LE(8);
  const header = bytes.subarray(10, 10 + headerLength).toString('latin1');
  expect(header).toContain("'descr': '<f4'");
  const shape = [...(/'shape': \(([^)]*)\)/.exec(header)?.[1] ?? '').matchAll(/\d+/g)].map(Number);
  const data = bytes.subarray(10 + headerLength);
  return tf.tensor(
    new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)),
    shape,
  );
}

beforeAll(async () => {
  await useCpuBackend();
});

describe('Keras models converted with legacy Keras', () => {
  for (const name of ['sequential-cnn', 'cnn-batchnorm', 'normalization']) {
    it(`${name}: loads and matches Keras's outputs within 1e-5`, async () => {
      const loaded = await loadZooModel(modelUri(name), { tf });
      const x = await readNpy(join(FIXTURES, name, 'input.npy'));
      const expected = await readNpy(join(FIXTURES, name, 'expected.npy'));
      try {
        expect(loaded.format).toBe('layers-model');
        if (loaded.format !== 'layers-model') return;
        const y = loaded.model.predict(x) as tf.Tensor;
        expect(y.shape).toEqual(expected.shape);
        const difference = tf.max(tf.abs(tf.sub(y, expected))).dataSync()[0]!;
        expect(difference).toBeLessThanOrEqual(1e-5);
        // The outputs are not trivially equal: a different input gives different ones.
        const other = loaded.model.predict(tf.reverse(x, 0)) as tf.Tensor;
        expect(tf.max(tf.abs(tf.sub(other, expected))).dataSync()[0]!).toBeGreaterThan(1e-3);
        y.dispose();
        other.dispose();
      } finally {
        x.dispose();
        expected.dispose();
        loaded.model.dispose();
      }
    });
  }

  it('normalization: the adapted layer reads its converted weights, the other its config (ε as floor)', async () => {
    const loaded = await loadZooModel(modelUri('normalization'), { tf });
    if (loaded.format !== 'layers-model') throw new Error('expected a LayersModel');
    try {
      const adapted = loaded.model.getLayer('normalization');
      const [mean, variance, count] = adapted.getWeights();
      const manifest = JSON.parse(await readFile(join(FIXTURES, 'normalization', 'model.json'), 'utf8')) as {
        weightsManifest: { weights: { name: string }[] }[];
      };
      // The converter writes the weights bare; the loader gives them the layer's name.
      expect(manifest.weightsManifest[0]!.weights.map((w) => w.name)).toContain('mean');
      expect(count!.dataSync()[0]).toBe(64 * 16 * 16);
      expect(tf.min(variance!).dataSync()[0]).toBeGreaterThan(0);
      expect(tf.max(tf.abs(mean!)).dataSync()[0]).toBeGreaterThan(0.01);
      // (x − mean)/max(√variance, ε) on one pixel, against the formula with the loaded statistics.
      const given = loaded.model.getLayer('given_stats');
      const pixel = tf.tensor4d([0.5, 0.5, 0.5], [1, 1, 1, 3]);
      const out = (given.apply(pixel) as tf.Tensor).dataSync();
      const config = given.getConfig() as { mean: number[]; variance: number[] };
      const reference = config.mean.map(
        (m, c) => (0.5 - m) / Math.max(Math.sqrt(config.variance[c]!), KERAS_EPSILON),
      );
      expect(Array.from(out)).toEqual(reference.map((r) => expect.closeTo(r, 3) as unknown as number));
      pixel.dispose();
    } finally {
      loaded.model.dispose();
    }
  });
});

describe('a TF.js model converted from Keras 3', () => {
  it('is refused with the conversion that works', async () => {
    const error = await loadZooModel(modelUri('keras3-cnn'), { tf }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IncompatibleModelError);
    expect((error as Error).message).toMatch(/Keras 3 .*keras_version 3\.\d+/);
    expect((error as Error).message).toContain('ncap convert keras FILE OUT_DIR');
  });
});
