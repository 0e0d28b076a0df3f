import { describe, expect, it } from 'vitest';
import { classSubsets, SubsetTooLargeError } from '../../../../zoos/fashion/class-subsets.js';
import type { LabelledImages } from '../../../../zoos/fashion/fashion-mnist.js';
import { deriveSeed, seededRandom, shuffled } from '../../../../zoos/fashion/rng.js';

/** 2×2 images whose first two pixels spell the sample's index (so every picked image can be traced back). */
function indexedData(perClass: number, classes = 10): LabelledImages {
  const count = perClass * classes;
  const images = new Uint8Array(count * 4);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    images[i * 4] = i & 0xff;
    images[i * 4 + 1] = i >> 8;
    images[i * 4 + 2] = i % classes;
    labels[i] = i % classes;
  }
  return { count, rows: 2, cols: 2, images, labels };
}

const sourceIndices = (images: Uint8Array): number[] =>
  Array.from({ length: images.length / 4 }, (_, i) => (images[i * 4] ?? 0) + 256 * (images[i * 4 + 1] ?? 0));

describe('classSubsets', () => {
  const data = indexedData(30);

  it('takes disjoint, stratified subsets of the asked sizes with labels remapped to class positions', () => {
    const classes = [5, 6, 7, 8, 9];
    const subsets = classSubsets(data, classes, [23, 10], 42);
    expect(subsets.map((s) => s.count)).toEqual([23, 10]);
    const seen = new Set<number>();
    for (const subset of subsets) {
      const indices = sourceIndices(subset.images);
      const perLabel = new Array<number>(5).fill(0);
      indices.forEach((index, i) => {
        expect(seen.has(index)).toBe(false);
        seen.add(index);
        const label = subset.labels[i] ?? -1;
        // The image's original class (third pixel) is the class at the remapped label's position.
        expect(classes[label]).toBe(subset.images[i * 4 + 2]);
        perLabel[label] = (perLabel[label] ?? 0) + 1;
      });
      expect(Math.max(...perLabel) - Math.min(...perLabel)).toBeLessThanOrEqual(1);
    }
  });

  it('is deterministic in the seed and shuffles the classes together', () => {
    const a = classSubsets(data, [0, 1, 2], [30], 1)[0];
    const b = classSubsets(data, [0, 1, 2], [30], 1)[0];
    const c = classSubsets(data, [0, 1, 2], [30], 2)[0];
    expect(a?.images).toEqual(b?.images);
    expect(a?.images).not.toEqual(c?.images);
    // Not sorted by class: some neighbours differ in label.
    const labels = [...(a?.labels ?? [])];
    expect(labels.some((label, i) => i > 0 && label !== labels[i - 1])).toBe(true);
    expect(labels).not.toEqual([...labels].sort());
  });

  it('refuses to take more samples of a class than exist', () => {
    expect(() => classSubsets(data, [0, 1], [40, 22], 3)).toThrow(SubsetTooLargeError);
    expect(classSubsets(data, [0, 1], [40, 20], 3).map((s) => s.count)).toEqual([40, 20]);
  });
});

describe('rng', () => {
  it('gives reproducible uniform values in [0, 1)', () => {
    const a = seededRandom(9);
    const b = seededRandom(9);
    const values = Array.from({ length: 10_000 }, () => a());
    expect(values).toEqual(Array.from({ length: 10_000 }, () => b()));
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.02);
  });

  it('shuffles into a permutation without touching the input', () => {
    const items = Array.from({ length: 100 }, (_, i) => i);
    const out = shuffled(items, seededRandom(1));
    expect([...out].sort((x, y) => x - y)).toEqual(items);
    expect(out).not.toEqual(items);
    expect(items[0]).toBe(0);
  });

  it('derives distinct seeds from distinct labels', () => {
    const seeds = new Set(
      ['a', 'b', 'source-train', 'target-train', 'pretrain'].map((label) => deriveSeed(1, label)),
    );
    expect(seeds.size).toBe(5);
    expect(deriveSeed(1, 'a')).toBe(deriveSeed(1, 'a'));
    expect(deriveSeed(1, 'a')).not.toBe(deriveSeed(2, 'a'));
  });
});
