import { describe, expect, it } from 'vitest';
import { accuracyShrinkage } from '../../../activities/selection/accuracy-shrinkage.js';
import { mulberry32 } from '../../../activities/training/rng.js';

/** Correlated contenders: a shared difficulty per image plus each one's skill. */
function columns(n: number, skills: number[], seed: number): Uint8Array[] {
  const random = mulberry32(seed);
  const shared = Array.from({ length: n }, () => random());
  return skills.map((skill) =>
    Uint8Array.from(shared, (u) => ((random() < 0.7 ? u : random()) < skill ? 1 : 0)),
  );
}

/**
 * The textbook estimator from the covariance matrix (independent of the module's integer sums): accuracies
 * a, sampling covariance Σ/n of a, V = tr(CΣC)/(n(K − 1)), S² = Σ(a − ā)²/(K − 1), τ² = max(0, S² − V),
 * shrunk a = ā + τ²/(τ² + V) (a − ā).
 */
function oracle(cols: readonly Uint8Array[]): { factor: number; shrunk: number[] } {
  const k = cols.length;
  const n = cols[0]!.length;
  const a = cols.map((c) => c.reduce((s, h) => s + h, 0) / n);
  const mean = a.reduce((s, x) => s + x, 0) / k;
  const cov = (p: number, q: number) =>
    cols[p]!.reduce((s, h, i) => s + (h - a[p]!) * (cols[q]![i]! - a[q]!), 0) / n;
  let trace = 0; // tr(CΣC) = Σ_p Σ_pp − (1/K) Σ_pq Σ_pq
  for (let p = 0; p < k; p++) for (let q = 0; q < k; q++) trace += (p === q ? cov(p, q) : 0) - cov(p, q) / k;
  const v = trace / (n * (k - 1));
  const s2 = a.reduce((s, x) => s + (x - mean) ** 2, 0) / (k - 1);
  const tau2 = Math.max(0, s2 - v);
  const keep = tau2 / (tau2 + v);
  return { factor: 1 - keep, shrunk: a.map((x) => mean + keep * (x - mean)) };
}

const shrunkAccuracies = (cols: readonly Uint8Array[]) => {
  const { offsets } = accuracyShrinkage(cols);
  const n = cols[0]!.length;
  return cols.map((c, k) => (c.reduce((s, h) => s + h, 0) + offsets[k]!) / n);
};

describe('accuracyShrinkage', () => {
  it('matches the method-of-moments empirical Bayes estimator computed from the covariance matrix', () => {
    for (const [skills, seed] of [
      [[0.7, 0.69, 0.68, 0.66, 0.7, 0.71], 1],
      [[0.9, 0.5, 0.3, 0.7], 2],
      [[0.6, 0.61, 0.59], 3],
    ] as const) {
      const cols = columns(400, [...skills], seed);
      const want = oracle(cols);
      expect(accuracyShrinkage(cols).factor).toBeCloseTo(want.factor, 12);
      shrunkAccuracies(cols).forEach((a, k) => expect(a).toBeCloseTo(want.shrunk[k]!, 12));
    }
  });

  it('two contenders: removes 1/z² of the gap (z = gap / paired σ), all of it when |z| ≤ 1', () => {
    for (const [skills, seed] of [
      [[0.76, 0.73], 4],
      [[0.7, 0.69], 5],
    ] as const) {
      const cols = columns(1000, [...skills], seed);
      const n = cols[0]!.length;
      const d = Array.from(cols[0]!, (h, i) => h - cols[1]![i]!);
      const gap = d.reduce((s, x) => s + x, 0) / n;
      const sd = Math.sqrt(d.reduce((s, x) => s + (x - gap) ** 2, 0) / n / n);
      const z = gap / sd;
      const [a, b] = shrunkAccuracies(cols);
      expect(a! - b!).toBeCloseTo(Math.abs(z) <= 1 ? 0 : gap * (1 - 1 / z ** 2), 12);
    }
  });

  it('pulls every contender to the mean when the spread is no more than the noise, and hardly moves well-separated ones', () => {
    const close = columns(300, [0.7, 0.7, 0.7, 0.7, 0.7], 6);
    expect(accuracyShrinkage(close).factor).toBe(1);
    const shrunk = shrunkAccuracies(close);
    for (const a of shrunk) expect(a).toBeCloseTo(shrunk[0]!, 12);
    const apart = accuracyShrinkage(columns(2000, [0.9, 0.6, 0.3, 0.1], 7));
    expect(apart.factor).toBeGreaterThan(0);
    expect(apart.factor).toBeLessThan(0.01);
  });

  it('moves nothing for one contender or identical accuracies, and keeps the mean accuracy', () => {
    const one = columns(50, [0.5], 8);
    expect(accuracyShrinkage(one)).toEqual({ factor: 0, offsets: [0] });
    const same = columns(50, [0.5], 9);
    expect(accuracyShrinkage([same[0]!, same[0]!]).offsets).toEqual([0, 0]);
    const { offsets } = accuracyShrinkage(columns(300, [0.7, 0.65, 0.6], 10));
    expect(offsets.reduce((s, x) => s + x, 0)).toBeCloseTo(0, 12);
  });
});
