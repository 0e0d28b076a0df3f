/**
 * Empirical-Bayes shrinkage of K contenders' accuracies toward their mean: the correction for the
 * winner's curse in P(best) (paired-bootstrap.ts). With many contenders close together and few images,
 * the observed leader is partly the luckiest: its observed accuracy is biased upward, and a bootstrap
 * centred on the observed accuracies overstates its lead (`npm run bench:calibration`: on the frozen
 * zoos, 300 images, the stated P(best) ran up to 19 points above what fresh halves showed).
 *
 * The estimator is the normal-normal empirical Bayes one, with the contenders' mean as the target: each
 * contender's deviation from the mean accuracy is shrunk by the factor b = V / (V + τ²), where
 * - V is the sampling variance of one deviation, from the outcomes themselves: tr(C Σ C) / (K − 1), with
 *   Σ the covariance of the contenders' per-image outcomes over n and C the centring matrix. The paired
 *   design matters: the noise every contender shares (hard images) moves all of them alike and drops out.
 * - τ² = max(0, S² − V) is the spread of the true accuracies by the method of moments (S² the sample
 *   variance of the observed accuracies), floored at 0: b = min(1, V / S²).
 * When the observed spread is no more than the noise (τ² = 0) every contender gets the mean accuracy and
 * the bootstrap's sampling spread alone decides (with K alike contenders, about 1/K each). Morris's
 * (K − 3)/(K − 1) refinement of b was tried and dropped: it leaves K ≤ 3 unshrunk, and the later rungs,
 * few contenders already picked for their lead, are where the curse is strongest (bench:calibration).
 *
 * Every quantity is a function of integer sums (hits per contender, contenders right per image), so equal
 * data give bit-equal offsets whatever the order of the images or the contenders.
 */

/** The shrinkage of one rung's contenders. */
export interface AccuracyShrinkage {
  /** Fraction b of each contender's deviation from the mean accuracy removed: 0 (none) to 1 (all). */
  factor: number;
  /** Per contender (input order): shrunk minus observed accuracy, in images (−b × (hits − mean hits)). */
  offsets: number[];
}

/** The contenders' empirical-Bayes shrinkage (columns: each contender's outcomes on the same images). */
export function accuracyShrinkage(columns: readonly ArrayLike<number>[]): AccuracyShrinkage {
  const k = columns.length;
  const n = columns[0]?.length ?? 0;
  const hits = columns.map((c) => Array.from(c).reduce<number>((s, h) => s + (h ? 1 : 0), 0));
  const total = hits.reduce((s, h) => s + h, 0);
  // K² × Σ (hits − mean)², and Σ over images of (K r − r²) = K × Σ |centred outcomes|² (r: right on it).
  const spread = hits.reduce((s, h) => s + (k * h - total) ** 2, 0);
  if (k < 2 || spread === 0) return { factor: 0, offsets: hits.map(() => 0) };
  let centred = 0;
  for (let i = 0; i < n; i++) {
    let right = 0;
    for (const column of columns) right += column[i] ? 1 : 0;
    centred += k * right - right * right;
  }
  // V = noise / (K² n³ (K − 1)) and S² = spread / (K² n² (K − 1)), so V / S² = noise / (n × spread).
  const noise = k * n * centred - spread;
  const factor = Math.min(1, Math.max(0, noise / (n * spread)));
  return { factor, offsets: hits.map((h) => (-factor * (k * h - total)) / k) };
}
