/**
 * Seeded, stratified, disjoint subsets of a labelled image set restricted to some classes, with the labels
 * remapped to 0..k-1 in the order the classes are given (a *task*, e.g. Fashion-MNIST classes 5–9 → 0–4).
 */
import type { LabelledImages } from './fashion-mnist.js';
import { seededRandom, shuffled } from './rng.js';

/** A task's samples: `images` is count×rows×cols (uint8, row-major), `labels` are 0..classes.length-1. */
export interface TaskImages {
  count: number;
  rows: number;
  cols: number;
  images: Uint8Array;
  labels: Int32Array;
}

/** More samples were asked of a class than the data holds. */
export class SubsetTooLargeError extends Error {
  override name = 'SubsetTooLargeError';
}

/**
 * Splits the samples of `classes` into disjoint subsets of the given sizes. Each subset is stratified (its
 * size is divided as evenly as possible over the classes, the first classes taking the remainder) and
 * shuffled; the same `seed` gives the same subsets.
 * @param sizes number of samples of each subset, e.g. `[3000, 1000]` for train and validation
 */
export function classSubsets(
  data: LabelledImages,
  classes: readonly number[],
  sizes: readonly number[],
  seed: number,
): TaskImages[] {
  const random = seededRandom(seed);
  const pools = classes.map((cls) => {
    const indices: number[] = [];
    for (let i = 0; i < data.count; i++) if (data.labels[i] === cls) indices.push(i);
    return shuffled(indices, random);
  });
  const taken = pools.map(() => 0);
  return sizes.map((size) => {
    const picked: { index: number; label: number }[] = [];
    classes.forEach((cls, k) => {
      const share = Math.floor(size / classes.length) + (k < size % classes.length ? 1 : 0);
      const pool = pools[k] ?? [];
      const start = taken[k] ?? 0;
      if (start + share > pool.length) {
        throw new SubsetTooLargeError(
          `class ${cls} has ${pool.length} samples, ${start + share} were asked for`,
        );
      }
      for (const index of pool.slice(start, start + share)) picked.push({ index, label: k });
      taken[k] = start + share;
    });
    return gather(data, shuffled(picked, random));
  });
}

function gather(data: LabelledImages, picked: readonly { index: number; label: number }[]): TaskImages {
  const pixels = data.rows * data.cols;
  const images = new Uint8Array(picked.length * pixels);
  const labels = new Int32Array(picked.length);
  picked.forEach(({ index, label }, i) => {
    images.set(data.images.subarray(index * pixels, (index + 1) * pixels), i * pixels);
    labels[i] = label;
  });
  return { count: picked.length, rows: data.rows, cols: data.cols, images, labels };
}
