import { describe, expect, it } from 'vitest';
import { accuracyShrinkage } from '../../../activities/selection/accuracy-shrinkage.js';
import {
  pairedBootstrapPBest,
  type BootstrapCentre,
} from '../../../activities/selection/paired-bootstrap.js';
import { mulberry32 } from '../../../activities/training/rng.js';
import { normalCdf } from '../../support/normal-cdf.js';

/** Every one of the nⁿ ordered draws of n indices (independent of the module). */
function* everyDraw(n: number): Generator<number[]> {
  const draw = new Array<number>(n).fill(0);
  for (;;) {
    yield draw;
    let pos = 0;
    while (pos < n && ++draw[pos]! === n) draw[pos++] = 0;
    if (pos === n) return;
  }
}

/**
 * Exact one-level bootstrap P(best) of the columns: every draw, a shared best splitting its credit; each
 * contender's score is its hits in the draw plus its offset (0: centred on the observed accuracies).
 */
function exactOneLevel(columns: readonly number[][], offsets = columns.map(() => 0)): number[] {
  const wins = columns.map(() => 0);
  let total = 0;
  for (const draw of everyDraw(columns[0]!.length)) {
    const scores = columns.map((col, k) => draw.reduce((s, i) => s + col[i]!, 0) + offsets[k]!);
    const best = Math.max(...scores);
    const leaders = scores.filter((s) => s === best).length;
    scores.forEach((s, k) => (wins[k]! += s === best ? 1 / leaders : 0));
    total++;
  }
  return wins.map((w) => w / total);
}

/** Exact two-level P(best): the one-level law of every first draw, averaged over the first draws. */
function exactTwoLevel(columns: readonly number[][], offsets = columns.map(() => 0)): number[] {
  const sum = columns.map(() => 0);
  let total = 0;
  for (const first of everyDraw(columns[0]!.length)) {
    const resampled = columns.map((col) => first.map((i) => col[i]!));
    exactOneLevel(resampled, offsets).forEach((p, k) => (sum[k]! += p));
    total++;
  }
  return sum.map((s) => s / total);
}

const bootstrap = (
  columns: readonly ArrayLike<number>[],
  statement: 'fresh-sample' | 'population',
  resamples = 4000,
  seed = 0,
  centre: BootstrapCentre = 'observed',
) => pairedBootstrapPBest({ columns, resamples, seed, centre })[statement];

describe('pairedBootstrapPBest', () => {
  const tiny = [
    [1, 1, 0, 1],
    [1, 0, 1, 0],
    [0, 1, 1, 0],
  ];

  it('fresh-sample matches the two-level law enumerated over every pair of draws of a tiny validation set', () => {
    const exact = exactTwoLevel(tiny);
    // The statements differ here by more than the tolerance, so a one-level draw would fail.
    const oneLevel = exactOneLevel(tiny);
    expect(Math.max(...exact.map((p, k) => Math.abs(p - oneLevel[k]!)))).toBeGreaterThan(0.03);
    const got = bootstrap(tiny, 'fresh-sample', 60_000, 3);
    for (const [k, p] of exact.entries()) expect(Math.abs(got[k]! - p)).toBeLessThan(0.01);
  });

  it('population matches the one-level law enumerated over every draw', () => {
    const exact = exactOneLevel(tiny);
    const got = bootstrap(tiny, 'population', 60_000, 3);
    for (const [k, p] of exact.entries()) expect(Math.abs(got[k]! - p)).toBeLessThan(0.01);
  });

  it('shrunk: both statements match the laws enumerated with every score moved by the shrinkage offsets', () => {
    const columns = tiny;
    const { factor, offsets } = accuracyShrinkage(columns);
    expect(factor).toBeGreaterThan(0);
    const exact = {
      'fresh-sample': exactTwoLevel(columns, offsets),
      population: exactOneLevel(columns, offsets),
    };
    const plain = exactOneLevel(columns);
    // The centring moves the law by more than the tolerance, so ignoring the offsets would fail.
    expect(Math.max(...exact.population.map((p, k) => Math.abs(p - plain[k]!)))).toBeGreaterThan(0.05);
    const got = pairedBootstrapPBest({ columns, resamples: 60_000, seed: 5, centre: 'shrunk' });
    expect(got.shrinkage).toBe(factor);
    for (const statement of ['fresh-sample', 'population'] as const)
      for (const [k, p] of exact[statement].entries())
        expect(Math.abs(got[statement][k]! - p)).toBeLessThan(0.01);
  });

  it('shrunk: never raises the observed leader’s P(best) nor lowers the last one’s, replicate by replicate', () => {
    // On the same replicates (same seed), a shrunk replicate the leader wins is one it wins unshrunk too.
    const random = mulberry32(17);
    const columns = [0.72, 0.7, 0.69, 0.69, 0.67, 0.6].map((p) =>
      Uint8Array.from({ length: 200 }, () => (random() < p ? 1 : 0)),
    );
    const hits = columns.map((c) => c.reduce((s, h) => s + h, 0));
    const leader = hits.indexOf(Math.max(...hits));
    const last = hits.indexOf(Math.min(...hits));
    for (const statement of ['fresh-sample', 'population'] as const) {
      const observed = bootstrap(columns, statement, 2000, 1);
      const shrunk = bootstrap(columns, statement, 2000, 1, 'shrunk');
      expect(shrunk[leader]!).toBeLessThan(observed[leader]! - 0.05);
      expect(shrunk[last]!).toBeGreaterThanOrEqual(observed[last]!);
      expect(shrunk.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 12);
    }
  });

  it('identical outcome vectors split exactly 1/k under both statements', () => {
    const random = mulberry32(4);
    const column = Uint8Array.from({ length: 60 }, () => (random() < 0.7 ? 1 : 0));
    for (const statement of ['fresh-sample', 'population'] as const)
      for (const p of bootstrap([column, column, column], statement, 300)) expect(p).toBeCloseTo(1 / 3, 12);
  });

  it('two contenders: fresh-sample ≈ Φ(gap / (√2 σ_paired)), pulled toward ½ from the population’s Φ(gap / σ_paired)', () => {
    // Independent errors, leader right on 76% of 3000 images, the other on 74.5% (drawn: gap ≈ 1.8 σ_paired).
    const random = mulberry32(13);
    const n = 3000;
    const leader = Uint8Array.from({ length: n }, () => (random() < 0.76 ? 1 : 0));
    const other = Uint8Array.from({ length: n }, () => (random() < 0.745 ? 1 : 0));
    const d = Array.from(leader, (h, i) => h - other[i]!);
    const gap = d.reduce((s, x) => s + x, 0) / n;
    const sd = Math.sqrt(d.reduce((s, x) => s + (x - gap) ** 2, 0) / n / n);
    const fresh = bootstrap([leader, other], 'fresh-sample');
    const population = bootstrap([leader, other], 'population');
    expect(Math.abs(fresh[0]! - normalCdf(gap / (Math.SQRT2 * sd)))).toBeLessThan(0.03);
    expect(Math.abs(population[0]! - normalCdf(gap / sd))).toBeLessThan(0.03);
    expect(fresh[0]!).toBeLessThan(population[0]! - 0.03);
    expect(fresh[0]! + fresh[1]!).toBeCloseTo(1, 12);
  });

  it('is paired: a contender right wherever the other is stays certain on any fresh sample', () => {
    const a = Uint8Array.from({ length: 500 }, (_, i) => (i % 3 === 0 ? 0 : 1));
    // 40 fewer hits on the same images: drawn independently per contender, b would win ≈ 2% of fresh samples.
    const b = Uint8Array.from(a, (h, i) => (i < 60 && h ? 0 : h));
    expect(bootstrap([b, a], 'fresh-sample')).toEqual([0, 1]);
  });

  it('depends neither on the order of the images nor on the order of the contenders', () => {
    const random = mulberry32(9);
    const columns = [0.7, 0.69, 0.68].map((p) =>
      Uint8Array.from({ length: 300 }, () => (random() < p ? 1 : 0)),
    );
    const perm = Array.from({ length: 300 }, (_, i) => i).sort(() => random() - 0.5);
    const permuted = columns.map((c) => Uint8Array.from(perm, (i) => c[i]!));
    for (const centre of ['observed', 'shrunk'] as const) {
      const base = bootstrap(columns, 'fresh-sample', 500, 0, centre);
      expect(bootstrap(permuted, 'fresh-sample', 500, 0, centre)).toEqual(base);
      expect(bootstrap([...columns].reverse(), 'fresh-sample', 500, 0, centre)).toEqual([...base].reverse());
    }
  });

  it('stays invariant when distinct contenders tie on hits and every pairwise overlap (the order is broken by the data)', () => {
    // Image types (a, b, c, d) × count: a and b, and c and d, tie on hits and pairwise overlaps, but only a
    // shares images with both c and d, so swapping a and b is no symmetry of the data.
    const types: [number[], number][] = [
      [[1, 0, 1, 1], 10],
      [[0, 1, 1, 0], 10],
      [[0, 1, 0, 1], 10],
      [[1, 0, 0, 0], 10],
      [[0, 0, 0, 0], 60],
    ];
    const images = types.flatMap(([bits, count]) => Array.from({ length: count }, () => bits));
    const columns = [0, 1, 2, 3].map((k) => Uint8Array.from(images, (bits) => bits[k]!));
    for (const centre of ['observed', 'shrunk'] as const) {
      const base = bootstrap(columns, 'fresh-sample', 400, 0, centre);
      const random = mulberry32(21);
      for (const order of [
        [1, 0, 3, 2],
        [3, 2, 1, 0],
        [2, 0, 1, 3],
      ]) {
        const perm = Array.from({ length: images.length }, (_, i) => i).sort(() => random() - 0.5);
        const got = bootstrap(
          order.map((k) => Uint8Array.from(perm, (i) => columns[k]![i]!)),
          'fresh-sample',
          400,
          0,
          centre,
        );
        order.forEach((k, j) => expect(got[j]).toBe(base[k]));
      }
    }
  });
});
