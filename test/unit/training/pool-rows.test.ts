/** Pooling of features held in JavaScript memory (ONNX outputs) agrees with TF.js pooling of the same map. */
import { describe, expect, it } from 'vitest';
import { poolGraphFeatures } from '../../../activities/training/model-zoo.js';
import { poolRows } from '../../../activities/training/pool-rows.js';
import { seededRandom, tf, useCpuBackend } from './helpers.js';

describe('poolRows', () => {
  it('pools like ncap: the same map channels-last or channels-first gives the same vector', () => {
    // [n=2, h=2, w=3, c=2], values v = 100n + 10(h·3 + w) + c.
    const [n, h, w, c] = [2, 2, 3, 2];
    const at = (i: number, y: number, x: number, ch: number): number => 100 * i + 10 * (y * w + x) + ch;
    const nhwc = new Float32Array(n * h * w * c);
    const nchw = new Float32Array(n * h * w * c);
    for (let i = 0; i < n; i++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++)
          for (let ch = 0; ch < c; ch++) {
            nhwc[((i * h + y) * w + x) * c + ch] = at(i, y, x, ch);
            nchw[((i * c + ch) * h + y) * w + x] = at(i, y, x, ch);
          }
    // Mean over the six positions 10·(0…5) is 25; max 50.
    const average = [25, 26, 125, 126];
    expect([...poolRows(nhwc, [n, h, w, c], 'average', false)]).toEqual(average);
    expect([...poolRows(nchw, [n, c, h, w], 'average', true)]).toEqual(average);
    expect([...poolRows(nchw, [n, c, h, w], 'max', true)]).toEqual([50, 51, 150, 151]);
    expect(poolRows(nhwc, [n, h, w, c], 'none', false)).toBe(nhwc);
    expect(() => poolRows(nhwc, [n, h * w * c], 'average', false)).toThrow(RangeError);
  });

  it.each(['average', 'max'] as const)(
    '%s pooling equals poolGraphFeatures on the same map, channels last or first',
    async (pooling) => {
      await useCpuBackend();
      const random = seededRandom(5);
      const dims = [3, 4, 5, 6];
      const values = Float32Array.from({ length: 3 * 4 * 5 * 6 }, () => random() * 2 - 1);
      for (const channelsFirst of [false, true]) {
        const expected = tf.tidy(() =>
          poolGraphFeatures(tf, tf.tensor(values, dims), pooling, 'cut', 'test://', channelsFirst).dataSync(),
        );
        const actual = poolRows(values, dims, pooling, channelsFirst);
        expect(actual.length).toBe(expected.length);
        actual.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
      }
    },
  );
});
