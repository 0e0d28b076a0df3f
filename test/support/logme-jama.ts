/**
 * The former LogME port (every eigenvector formed by the JAMA tred2/tql2 port, Gram matrix by plain loops),
 * kept as the oracle the fast `activities/selection/logme.ts` is held to and the baseline `bench:logme`
 * times it against.
 *
 * LogME (You, Liu, Wang, Long: "LogME: Practical Assessment of Pre-trained Models for Transfer Learning",
 * ICML 2021): the maximised log marginal evidence, per sample, of a Bayesian linear model from frozen
 * features to one-hot labels, averaged over classes (predictor `logme`).
 *
 * A port of the reference implementation's default `LogME.fit` (thuml/LogME, LogME.py, `_fit_fixed_point`
 * for classification) step for step: the thin SVD of F (through the eigen-decomposition of FᵀF, truncated
 * to singular values > 1e-10, when N > D; of FFᵀ otherwise), then per class at most 11 fixed-point updates
 * of α (weight precision) and β (noise precision), stopping when α/β changes by ≤ 0.1 %, and the evidence
 * D/2·log α + N/2·log β − ½Σ log(α + βσ²) − β/2·‖res‖² − α/2·‖m‖² − N/2·log 2π, divided by N.
 *
 * Input: features [N, D] row-major (any finite floats, used in float64), labels [N] integers in [0, C).
 * Output: a real number (typically in about [−3, 3]; higher = the features fit the labels better, so the
 * backbone is predicted to transfer better). Not comparable across datasets.
 */
import { InvalidSeriesError } from '../../activities/capacitance/errors.js';
import { denseSymmetricEigen } from './jama-symmetric-eigen.js';

const SINGULAR_CUTOFF = 1e-10;

/** Thin SVD pieces LogME needs: squared singular values σ² and Uᵀy per class. */
function thinSvd(
  f: Float64Array,
  n: number,
  d: number,
): { sigma: number[]; project: (y: Float64Array) => number[] } {
  if (n > d) {
    // Reference `truncated_svd`: svd of FᵀF (= its eigen-decomposition), s = √eig, U = F V / s.
    const gram = new Float64Array(d * d);
    for (let r = 0; r < n; r++) {
      const row = r * d;
      for (let i = 0; i < d; i++) {
        const fi = f[row + i]!;
        if (fi === 0) continue;
        const gi = i * d;
        for (let j = 0; j <= i; j++) gram[gi + j]! += fi * f[row + j]!;
      }
    }
    const { values, vectors } = denseSymmetricEigen(gram, d);
    const kept: { s: number; column: number }[] = [];
    for (let c = d - 1; c >= 0; c--) {
      const s = Math.sqrt(Math.max(0, values[c]!));
      if (s > SINGULAR_CUTOFF) kept.push({ s, column: c });
    }
    return {
      sigma: kept.map(({ s }) => s * s),
      project: (y) => {
        // Uᵀy = Vᵀ(Fᵀy) / s.
        const fty = new Float64Array(d);
        for (let r = 0; r < n; r++) {
          const yr = y[r]!;
          if (yr === 0) continue;
          for (let i = 0; i < d; i++) fty[i]! += f[r * d + i]! * yr;
        }
        return kept.map(({ s, column }) => {
          let dot = 0;
          for (let i = 0; i < d; i++) dot += vectors[i * d + column]! * fty[i]!;
          return dot / s;
        });
      },
    };
  }
  // Reference: np.linalg.svd(f, full_matrices=False): all k = N singular values; U from FFᵀ = U S² Uᵀ.
  const gram = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let dot = 0;
      for (let c = 0; c < d; c++) dot += f[i * d + c]! * f[j * d + c]!;
      gram[i * n + j] = dot;
    }
  }
  const { values, vectors } = denseSymmetricEigen(gram, n);
  const columns = Array.from({ length: n }, (_, c) => n - 1 - c);
  return {
    sigma: columns.map((c) => Math.max(0, values[c]!)),
    project: (y) =>
      columns.map((c) => {
        let dot = 0;
        for (let r = 0; r < n; r++) dot += vectors[r * n + c]! * y[r]!;
        return dot;
      }),
  };
}

/**
 * LogME of `features` for `labels`.
 * @throws InvalidSeriesError for mismatched sizes, non-finite features or labels outside [0, C).
 */
export function logmeJama(
  features: ArrayLike<number>,
  n: number,
  d: number,
  labels: ArrayLike<number>,
): number {
  if (!Number.isInteger(n) || !Number.isInteger(d) || n < 2 || d < 1)
    throw new InvalidSeriesError(`LogME needs at least 2 samples and 1 feature, got N=${n}, D=${d}`);
  if (features.length !== n * d)
    throw new InvalidSeriesError(`LogME: features hold ${features.length} values, expected N·D = ${n * d}`);
  if (labels.length !== n) throw new InvalidSeriesError(`LogME: ${labels.length} labels for ${n} samples`);
  const f = new Float64Array(n * d);
  for (let i = 0; i < n * d; i++) {
    const v = features[i]!;
    if (!Number.isFinite(v)) throw new InvalidSeriesError(`LogME: feature value ${i} is not finite`);
    f[i] = v;
  }
  let classes = 0;
  for (let r = 0; r < n; r++) {
    const label = labels[r]!;
    if (!Number.isInteger(label) || label < 0)
      throw new InvalidSeriesError(`LogME: label ${r} must be a non-negative integer, got ${label}`);
    classes = Math.max(classes, label + 1);
  }
  const { sigma, project } = thinSvd(f, n, d);
  let total = 0;
  for (let cls = 0; cls < classes; cls++) {
    const y = new Float64Array(n);
    let y2 = 0;
    for (let r = 0; r < n; r++) {
      y[r] = labels[r] === cls ? 1 : 0;
      y2 += y[r]! * y[r]!;
    }
    const x = project(y);
    const x2 = x.map((v) => v * v);
    const resX2 = y2 - x2.reduce((s, v) => s + v, 0);
    let alpha = 1;
    let beta = 1;
    let t = 1;
    let m2 = 0;
    let res2 = 0;
    for (let iteration = 0; iteration < 11; iteration++) {
      t = alpha / beta;
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
    total += evidence / n;
  }
  return total / classes;
}
