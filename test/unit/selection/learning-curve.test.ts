/**
 * The learning-curve maths (learning-curve.ts): exact recovery of a curve on the exponent grid, the
 * least-squares choice over the grid checked against a brute-force search, the carry-forward and two-point
 * cases, the residual, clamping, and the input checks.
 */
import { describe, expect, it } from 'vitest';
import { InvalidSeriesError } from '../../../activities/capacitance/errors.js';
import { CURVE_EXPONENTS, extrapolateLearningCurve } from '../../../activities/selection/learning-curve.js';
import { mulberry32 } from '../../../activities/training/rng.js';

/** Brute force: for each c, the (a, b) minimising Σ (y − a + b·x^(−c))² by Cramer's rule on the normal equations. */
function bruteForce(steps: number[], y: number[]): { a: number; b: number; c: number; sse: number } {
  const last = steps.at(-1)!;
  let best = { a: 0, b: 0, c: 0, sse: Infinity };
  for (const c of CURVE_EXPONENTS) {
    const g = steps.map((s) => (s / last) ** -c);
    // y ≈ a + k·g with k = −b: [n Σg; Σg Σg²] [a; k] = [Σy; Σgy]
    const n = g.length;
    const sg = g.reduce((s, v) => s + v, 0);
    const sgg = g.reduce((s, v) => s + v * v, 0);
    const sy = y.reduce((s, v) => s + v, 0);
    const sgy = g.reduce((s, v, i) => s + v * y[i]!, 0);
    const det = n * sgg - sg * sg;
    const a = (sy * sgg - sg * sgy) / det;
    const k = (n * sgy - sg * sy) / det;
    const sse = g.reduce((s, v, i) => s + (y[i]! - a - k * v) ** 2, 0);
    if (sse < best.sse - 1e-15) best = { a, b: -k, c, sse };
  }
  return best;
}

describe('learning-curve extrapolation', () => {
  it('recovers a saturating power law on the grid and predicts its value at the horizon', () => {
    const steps = [10, 20, 30, 40, 50];
    const truth = (s: number) => 0.9 - 0.3 * (s / 50) ** -0.7;
    const fit = extrapolateLearningCurve(steps, steps.map(truth), 500);
    expect(fit.c).toBe(0.7);
    expect(fit.a).toBeCloseTo(0.9, 10);
    expect(fit.b).toBeCloseTo(0.3, 10);
    expect(fit.prediction).toBeCloseTo(truth(500), 10);
    expect(fit.residualStd).toBeCloseTo(0, 10);
  });

  it('picks the exponent and coefficients a brute-force least-squares search picks, on noisy curves', () => {
    const random = mulberry32(7);
    for (let trial = 0; trial < 20; trial++) {
      const steps = Array.from({ length: 4 + (trial % 5) }, (_, i) => (i + 1) * (5 + trial));
      const c = 0.2 + 2 * random();
      const y = steps.map((s) => 0.8 - 0.4 * (s / steps.at(-1)!) ** -c + 0.01 * (random() - 0.5));
      const horizon = 10 * steps.at(-1)!;
      const fit = extrapolateLearningCurve(steps, y, horizon);
      const oracle = bruteForce(steps, y);
      expect(oracle.b).toBeGreaterThan(0);
      expect(fit.c).toBe(oracle.c);
      expect(fit.a).toBeCloseTo(oracle.a, 8);
      expect(fit.b).toBeCloseTo(oracle.b, 8);
      expect(fit.residualStd).toBeCloseTo(Math.sqrt(oracle.sse / steps.length), 8);
      const expected = Math.min(1, Math.max(0, oracle.a - oracle.b * 10 ** -oracle.c));
      expect(fit.prediction).toBeCloseTo(expected, 8);
    }
  });

  it('carries the last value with one point or a falling curve, uses c = 0.5 with two, clamps to [0, 1]', () => {
    expect(extrapolateLearningCurve([5], [0.4], 50)).toEqual({
      prediction: 0.4,
      a: 0.4,
      b: 0,
      c: 0,
      residualStd: null,
    });
    expect(extrapolateLearningCurve([5, 10, 15], [0.6, 0.5, 0.45], 150).prediction).toBe(0.45);
    const two = extrapolateLearningCurve([10, 20], [0.5, 0.6], 200);
    expect(two.c).toBe(0.5);
    expect(two.prediction).toBeCloseTo(two.a - two.b * 10 ** -0.5, 12);
    expect(extrapolateLearningCurve([1, 2, 3], [0.5, 0.9, 0.99], 1e6).prediction).toBeLessThanOrEqual(1);
    expect(extrapolateLearningCurve([1], [1.2], 10).prediction).toBe(1);
  });

  it('leaves the residual unknown below four points, where three parameters leave nothing to estimate it', () => {
    expect(extrapolateLearningCurve([1, 2, 3], [0.3, 0.5, 0.6], 30).residualStd).toBeNull();
    expect(extrapolateLearningCurve([1, 2, 3, 4], [0.3, 0.5, 0.6, 0.62], 40).residualStd).not.toBeNull();
  });

  it('refuses empty, unequal, non-increasing or non-finite series and a horizon ≤ 0', () => {
    const bad: [number[], number[], number][] = [
      [[], [], 10],
      [[1, 2], [0.5], 10],
      [[2, 1], [0.5, 0.6], 10],
      [[0, 1], [0.5, 0.6], 10],
      [[1, 2], [0.5, NaN], 10],
      [[1, 2], [0.5, 0.6], 0],
    ];
    for (const [steps, acc, horizon] of bad)
      expect(() => extrapolateLearningCurve(steps, acc, horizon), JSON.stringify(steps)).toThrow(
        InvalidSeriesError,
      );
  });
});
