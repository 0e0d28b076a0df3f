/**
 * Learning-curve extrapolation of validation accuracy (predictor `learning-curve`).
 *
 * Model: a saturating power law in relative time, acc(x) = a − b·x^(−c) with x = step / last observed
 * step, b ≥ 0 and c on a fixed grid (0.1 … 3): for each c the fit is linear least squares in (a, b); the
 * c with the least squared error wins (ties: the smaller c). With two points c is fixed at 0.5 (a prior:
 * curves flatten roughly like 1/√t early in training); with one point, or when the best fit decreases
 * (b < 0), the prediction is the last observed value. Predictions are clamped to [0, 1].
 *
 * Input: validation accuracies in [0, 1] at increasing steps > 0. Output: the predicted accuracy in
 * [0, 1] at `horizon` (higher is better) and the fit's residual standard deviation (null with fewer than
 * four points, where the three parameters leave nothing to estimate it from). The predictor that ranks by
 * it is in learning-curve-predictor.ts: features.ts needs the maths, and predictors need features.
 */
import { InvalidSeriesError } from '../capacitance/errors.js';

export interface LearningCurveFit {
  /** Predicted accuracy at the horizon, in [0, 1]. */
  prediction: number;
  /** a, b, c of acc(x) = a − b·x^(−c); b = 0 when the last value is carried forward. */
  a: number;
  b: number;
  c: number;
  /** Root-mean-square residual over the points, `null` with fewer than four points. */
  residualStd: number | null;
}

/** The exponents tried, ascending. */
export const CURVE_EXPONENTS = Array.from({ length: 30 }, (_, i) => Number(((i + 1) / 10).toFixed(1)));
const TWO_POINT_EXPONENT = 0.5;

const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));

/** Least squares of y ≈ a − b·g for fixed g; returns a, b and the squared error. */
function linearFit(g: readonly number[], y: readonly number[]): { a: number; b: number; sse: number } {
  const n = g.length;
  const meanG = g.reduce((s, v) => s + v, 0) / n;
  const meanY = y.reduce((s, v) => s + v, 0) / n;
  let sgg = 0;
  let sgy = 0;
  for (let i = 0; i < n; i++) {
    sgg += (g[i]! - meanG) ** 2;
    sgy += (g[i]! - meanG) * (y[i]! - meanY);
  }
  const slope = sgg > 0 ? sgy / sgg : 0;
  const a = meanY - slope * meanG;
  const b = -slope;
  let sse = 0;
  for (let i = 0; i < n; i++) sse += (y[i]! - (a - b * g[i]!)) ** 2;
  return { a, b, sse };
}

/**
 * Fits the curve to (steps, accuracies) and predicts the accuracy at step `horizon`.
 * @throws InvalidSeriesError for empty, unequal, non-finite or non-increasing inputs.
 */
export function extrapolateLearningCurve(
  steps: readonly number[],
  accuracies: readonly number[],
  horizon: number,
): LearningCurveFit {
  if (steps.length !== accuracies.length || steps.length === 0)
    throw new InvalidSeriesError(
      'learning curve: steps and accuracies must be non-empty and equal in length',
    );
  steps.forEach((s, i) => {
    if (!Number.isFinite(s) || s <= 0 || (i > 0 && s <= steps[i - 1]!))
      throw new InvalidSeriesError(`learning curve: steps must be increasing and > 0 (step[${i}] = ${s})`);
    if (!Number.isFinite(accuracies[i]))
      throw new InvalidSeriesError(`learning curve: accuracy[${i}] must be finite`);
  });
  if (!Number.isFinite(horizon) || horizon <= 0)
    throw new InvalidSeriesError(`learning curve: horizon must be > 0, got ${horizon}`);
  const last = steps.at(-1)!;
  const lastValue = accuracies.at(-1)!;
  const carry = (): LearningCurveFit => ({
    prediction: clamp01(lastValue),
    a: lastValue,
    b: 0,
    c: 0,
    residualStd: null,
  });
  if (steps.length === 1) return carry();
  const x = steps.map((s) => s / last);
  const exponents = steps.length === 2 ? [TWO_POINT_EXPONENT] : CURVE_EXPONENTS;
  let best: { a: number; b: number; c: number; sse: number } | null = null;
  for (const c of exponents) {
    const fit = linearFit(
      x.map((v) => v ** -c),
      accuracies,
    );
    if (best === null || fit.sse < best.sse) best = { ...fit, c };
  }
  if (!best || best.b < 0) return carry();
  const prediction = clamp01(best.a - best.b * (horizon / last) ** -best.c);
  return {
    prediction,
    a: best.a,
    b: best.b,
    c: best.c,
    residualStd: steps.length >= 4 ? Math.sqrt(best.sse / steps.length) : null,
  };
}
