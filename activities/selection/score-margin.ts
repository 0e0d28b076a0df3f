/**
 * When two scores with standard errors are told apart: their gap must exceed `z × √(σ_a² + σ_b²)` and
 * `minGap`. One arithmetic for halving's stop rule (workflows/halving.ts) and the report's chance-level
 * check (activities/scoring/report-warnings.ts). Pure, no Node builtins: workflows import it.
 */

/** Standard errors a gap must exceed to count, when a setting does not say. */
export const DEFAULT_MARGIN_Z = 2;

/** The margin two scores with standard errors `sigmaA`, `sigmaB` must be apart by to be told apart. */
export function scoreMargin(z: number, minGap: number, sigmaA: number, sigmaB: number): number {
  return Math.max(minGap, z * Math.hypot(sigmaA, sigmaB));
}

/** The standard error of an accuracy `p` measured on `n` samples (binomial). */
export function accuracyStandardError(p: number, n: number): number {
  return n > 0 ? Math.sqrt((p * (1 - p)) / n) : Infinity;
}
