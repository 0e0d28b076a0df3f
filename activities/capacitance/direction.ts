/**
 * Which way β_eff points: on observed runs, does a higher β_eff go with a higher final accuracy or a lower
 * one? docs/design.md §2: the direction is calibrated, never assumed.
 */
import { InvalidSeriesError } from './errors.js';
import { kendallTau, spearman } from './ranking-metrics.js';

export const BetaDirection = {
  higherIsBetter: 'higher-is-better',
  lowerIsBetter: 'lower-is-better',
  unknown: 'unknown',
} as const;
export type BetaDirection = (typeof BetaDirection)[keyof typeof BetaDirection];

export interface DirectionOptions {
  /** Rank correlation used. @default 'kendall' */
  method?: 'kendall' | 'spearman';
  /** Fewest observed runs needed to call a direction; fewer gives 'unknown'. @default 5 */
  minRuns?: number;
}

export interface DirectionCalibration {
  direction: BetaDirection;
  /** +1 when higher β_eff is better, -1 when lower is, 0 when unknown: multiply β_eff by it to get a score. */
  sign: 1 | -1 | 0;
  /** The rank correlation between β_eff and accuracy (NaN when undefined, e.g. constant input). */
  correlation: number;
  method: 'kendall' | 'spearman';
  runs: number;
  /** Why the direction is 'unknown', when it is. */
  reason?: string;
}

/**
 * Sign of the rank correlation between β_eff and final accuracy over observed runs.
 * @param betas β_eff per run (same order as `accuracies`).
 * @param accuracies final accuracy per run (higher = better).
 * @returns 'unknown' when there are fewer than `minRuns` runs or the correlation is 0 or undefined.
 */
export function calibrateDirection(
  betas: readonly number[],
  accuracies: readonly number[],
  options: DirectionOptions = {},
): DirectionCalibration {
  const method = options.method ?? 'kendall';
  const minRuns = options.minRuns ?? 5;
  if (!Number.isInteger(minRuns) || minRuns < 2)
    throw new InvalidSeriesError(`minRuns must be an integer ≥ 2, got ${minRuns}`);
  const runs = betas.length;
  const correlation = method === 'kendall' ? kendallTau(betas, accuracies) : spearman(betas, accuracies);
  const unknown = (reason: string): DirectionCalibration => ({
    direction: BetaDirection.unknown,
    sign: 0,
    correlation,
    method,
    runs,
    reason,
  });
  if (runs < minRuns) return unknown(`${runs} observed runs; at least ${minRuns} are needed`);
  if (Number.isNaN(correlation))
    return unknown('the correlation is undefined (β_eff or accuracy is constant)');
  if (correlation === 0) return unknown('β_eff and accuracy are uncorrelated');
  return correlation > 0
    ? { direction: BetaDirection.higherIsBetter, sign: 1, correlation, method, runs }
    : { direction: BetaDirection.lowerIsBetter, sign: -1, correlation, method, runs };
}
