/**
 * LogME (You, Liu, Wang, Long: "LogME: Practical Assessment of Pre-trained Models for Transfer Learning",
 * ICML 2021): the maximised log marginal evidence, per sample, of a Bayesian linear model from frozen
 * features to one-hot labels, averaged over classes (predictor `logme`).
 *
 * A port of the reference implementation's default `LogME.fit` (thuml/LogME, LogME.py, `_fit_fixed_point`
 * for classification) step for step: the thin SVD of F (through the eigen-decomposition of FᵀF, truncated
 * to singular values > 1e-10, after dropping zero columns and merging repeated ones, when N > D; of FFᵀ
 * otherwise; only the singular values and Uᵀy are formed), then per class at most 11 fixed-point updates
 * of α (weight precision) and β (noise precision), stopping when α/β changes by ≤ 0.1 %, and the evidence
 * D/2·log α + N/2·log β − ½Σ log(α + βσ²) − β/2·‖res‖² − α/2·‖m‖² − N/2·log 2π, divided by N.
 *
 * Input: features [N, D] row-major (any finite floats, used in float64), labels [N] integers in [0, C).
 * Output: a real number (typically in about [−3, 3]; higher = the features fit the labels better, so the
 * backbone is predicted to transfer better). Not comparable across datasets.
 */
import { InvalidSeriesError } from '../capacitance/errors.js';
import { gram } from '../linalg/gram.js';
import { symmetricEigen } from '../linalg/symmetric-eigen.js';
import { distinctColumns } from './distinct-columns.js';
import { fixedFeaturePredictor, type Predictor } from './predictor.js';

const SINGULAR_CUTOFF = 1e-10;

/** What LogME needs of the thin SVD F = U S Vᵀ: the squared singular values σ² and Uᵀy for each class. */
interface Spectrum {
  sigma: Float64Array;
  /** projections[c][k] = u_kᵀ y_c, y_c the indicator of class c. */
  projections: Float64Array[];
}

/** Milliseconds per phase of one LogME, filled in when asked for (`bench:logme` prints them). */
export interface LogmeTimings {
  /** Checking the input; the class sums Fᵀy (N > D). */
  prepareMs: number;
  /** The Gram matrix FᵀF or FFᵀ. */
  gramMs: number;
  /** Tridiagonalisation and QL, carrying the C label vectors. */
  eigenMs: number;
  /** The fixed-point updates and the evidence, all classes. */
  evidenceMs: number;
}

/** Milliseconds since the previous call (the first call: since creation). */
function stopwatch(): () => number {
  let last = performance.now();
  return () => {
    const now = performance.now();
    const elapsed = now - last;
    last = now;
    return elapsed;
  };
}

/** The C vectors to project: Fᵀy_c (length D) when N > D, else the indicators y_c (length N). */
function labelVectors(
  f: ArrayLike<number>,
  n: number,
  d: number,
  labels: ArrayLike<number>,
  classes: number,
) {
  if (n <= d)
    return Array.from({ length: classes }, (_, c) =>
      Float64Array.from({ length: n }, (_, r) => (labels[r] === c ? 1 : 0)),
    );
  const classSums = Array.from({ length: classes }, () => new Float64Array(d));
  for (let r = 0; r < n; r++) {
    const sum = classSums[labels[r]!]!;
    for (let c = 0; c < d; c++) sum[c] = sum[c]! + f[r * d + c]!;
  }
  return classSums;
}

/**
 * σ² and Uᵀy_c from the eigenvalues of the smaller Gram matrix and the projections of C vectors on its
 * eigenvectors, never forming U or V. N > D: FᵀF = V S² Vᵀ and Uᵀy = Vᵀ(Fᵀy)/s, keeping s > 1e-10 (the
 * reference's `truncated_svd`), F's zero and repeated columns first dropped and merged (`distinctColumns`),
 * which changes neither; N ≤ D: FFᵀ = U S² Uᵀ, all N values kept (the reference's direct SVD).
 */
function spectrum(
  f: ArrayLike<number>,
  n: number,
  d: number,
  project: Float64Array[],
  timings: LogmeTimings,
): Spectrum {
  const lap = stopwatch();
  const size = Math.min(n, d);
  const matrix =
    n > d ? gram({ rows: f, count: d, length: n, transposed: true }) : gram({ rows: f, count: n, length: d });
  timings.gramMs = lap();
  const { values, projections } = symmetricEigen({ matrix, size, project });
  timings.eigenMs = lap();
  if (n <= d) return { sigma: values.map((value) => Math.max(0, value)), projections };
  const kept = Array.from(values.keys()).filter((k) => Math.sqrt(Math.max(0, values[k]!)) > SINGULAR_CUTOFF);
  return {
    sigma: Float64Array.from(kept, (k) => Math.sqrt(Math.max(0, values[k]!)) ** 2),
    projections: projections.map((x) => Float64Array.from(kept, (k) => x[k]! / Math.sqrt(values[k]!))),
  };
}

/** One class's log evidence per sample after the reference's ≤ 11 fixed-point updates of α and β. */
function classEvidence(sigma: Float64Array, x: Float64Array, y2: number, n: number, d: number): number {
  const x2 = x.map((v) => v * v);
  const resX2 = y2 - x2.reduce((s, v) => s + v, 0);
  let alpha = 1;
  let beta = 1;
  let m2 = 0;
  let res2 = 0;
  for (let iteration = 0; iteration < 11; iteration++) {
    const t = alpha / beta;
    let gamma = 0;
    m2 = 0;
    res2 = resX2;
    for (let k = 0; k < sigma.length; k++) {
      const sg = sigma[k]!;
      gamma += sg / (sg + t);
      m2 += (sg * x2[k]!) / (t + sg) ** 2;
      res2 += x2[k]! / (1 + sg / t) ** 2;
    }
    alpha = gamma / (m2 + 1e-5);
    beta = (n - gamma) / (res2 + 1e-5);
    const tNext = alpha / beta;
    if (Math.abs(tNext - t) / t <= 1e-3) break;
  }
  let logDet = 0;
  for (const sg of sigma) logDet += Math.log(alpha + beta * sg);
  const evidence =
    (d / 2) * Math.log(alpha) +
    (n / 2) * Math.log(beta) -
    0.5 * logDet -
    (beta / 2) * res2 -
    (alpha / 2) * m2 -
    (n / 2) * Math.log(2 * Math.PI);
  return evidence / n;
}

/** The number of classes C (the largest label + 1). @throws InvalidSeriesError for bad input. */
function checkInput(features: ArrayLike<number>, n: number, d: number, labels: ArrayLike<number>): number {
  if (!Number.isInteger(n) || !Number.isInteger(d) || n < 2 || d < 1)
    throw new InvalidSeriesError(`LogME needs at least 2 samples and 1 feature, got N=${n}, D=${d}`);
  if (features.length !== n * d)
    throw new InvalidSeriesError(`LogME: features hold ${features.length} values, expected N·D = ${n * d}`);
  if (labels.length !== n) throw new InvalidSeriesError(`LogME: ${labels.length} labels for ${n} samples`);
  for (let i = 0; i < n * d; i++) {
    if (!Number.isFinite(features[i]!))
      throw new InvalidSeriesError(`LogME: feature value ${i} is not finite`);
  }
  let classes = 0;
  for (let r = 0; r < n; r++) {
    const label = labels[r]!;
    if (!Number.isInteger(label) || label < 0)
      throw new InvalidSeriesError(`LogME: label ${r} must be a non-negative integer, got ${label}`);
    classes = Math.max(classes, label + 1);
  }
  return classes;
}

/**
 * LogME of `features` for `labels`; `timings`, when given, receives the milliseconds of each phase.
 * @throws InvalidSeriesError for mismatched sizes, non-finite features or labels outside [0, C).
 */
export function logme(
  features: ArrayLike<number>,
  n: number,
  d: number,
  labels: ArrayLike<number>,
  timings: LogmeTimings = { prepareMs: 0, gramMs: 0, eigenMs: 0, evidenceMs: 0 },
): number {
  const lap = stopwatch();
  const classes = checkInput(features, n, d, labels);
  // N > D: the thin SVD of F′ (no zero or repeated columns), exactly F's; D stays F's in the evidence.
  const { features: f, width } = n > d ? distinctColumns(features, n, d) : { features, width: d };
  const vectors = labelVectors(f, n, width, labels, classes);
  timings.prepareMs = lap();
  const { sigma, projections } = spectrum(f, n, width, vectors, timings);
  lap();
  let total = 0;
  for (let cls = 0; cls < classes; cls++) {
    let y2 = 0;
    for (let r = 0; r < n; r++) if (labels[r] === cls) y2 += 1;
    total += classEvidence(sigma, projections[cls]!, y2, n, d);
  }
  timings.evidenceMs = lap();
  return total / classes;
}

/** `logme` as a predictor: the run's LogME (frozen mode), higher first. */
export const logmePredictor = (): Predictor =>
  fixedFeaturePredictor({
    name: 'logme',
    description: 'LogME of the frozen backbone features (higher first)',
    feature: 'logme',
    direction: 'higher',
  });
