/**
 * Selection metrics with seeded bootstrap intervals. Inputs: per candidate a predicted score (higher =
 * predicted better) and the true final accuracy (higher = better), equal-length finite arrays. Kendall
 * τ-b, weighted τ (hyperbolic, as scipy) and Spearman ρ are in [−1, 1], higher is better; top-1 is a hit
 * or not; regret is the best true accuracy minus the pick's, ≥ 0 in the units of the truth (lower is
 * better). Intervals: percentile bootstrap over candidates (resampled with replacement, `resamples`
 * times, mulberry32 seeded), resamples where a statistic is undefined (a constant side) left out.
 */
import { kendallTau, spearman, top1Hit, topKRegret, weightedTau } from '../capacitance/ranking-metrics.js';
import { InvalidSeriesError } from '../capacitance/errors.js';
import { mulberry32 } from '../training/rng.js';

/** A point estimate with its bootstrap interval (NaN bounds when no resample defined it). */
export interface Interval {
  value: number;
  low: number;
  high: number;
}

export interface SelectionMetrics {
  candidates: number;
  kendallTau: Interval;
  weightedTau: Interval;
  spearman: Interval;
  /** Whether the pick is the best candidate; `rate` = share of resamples in which it is. */
  top1Hit: { value: boolean; rate: number };
  regret: Interval;
}

export interface BootstrapOptions {
  /** Bootstrap resamples. @default 1000 */
  resamples?: number;
  /** Seed of the resampling. @default 0 */
  seed?: number;
  /** Coverage of the interval. @default 0.95 */
  confidence?: number;
}

/** The q-quantile (linear interpolation, numpy's default) of sorted values. */
function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (position - lower);
}

function interval(value: number, samples: number[], confidence: number): Interval {
  const defined = samples.filter((s) => Number.isFinite(s)).sort((a, b) => a - b);
  const tail = (1 - confidence) / 2;
  return { value, low: quantile(defined, tail), high: quantile(defined, 1 - tail) };
}

/** Kendall τ-b, weighted τ, Spearman, top-1 and regret of `scores` against `truth`, with intervals. */
export function selectionMetrics(
  scores: readonly number[],
  truth: readonly number[],
  options: BootstrapOptions = {},
): SelectionMetrics {
  if (scores.length !== truth.length || scores.length < 2)
    throw new InvalidSeriesError(
      `selection metrics need at least 2 candidates with a score and a truth each (got ${scores.length} and ${truth.length})`,
    );
  const resamples = options.resamples ?? 1000;
  const confidence = options.confidence ?? 0.95;
  const random = mulberry32(options.seed ?? 0);
  const n = scores.length;
  const samples = {
    kendall: [] as number[],
    weighted: [] as number[],
    spearman: [] as number[],
    regret: [] as number[],
  };
  let hits = 0;
  for (let b = 0; b < resamples; b++) {
    const pick = Array.from({ length: n }, () => Math.floor(random() * n));
    const s = pick.map((i) => scores[i]!);
    const t = pick.map((i) => truth[i]!);
    samples.kendall.push(kendallTau(s, t));
    samples.weighted.push(weightedTau(s, t));
    samples.spearman.push(spearman(s, t));
    const regret = topKRegret(s, t, 1);
    samples.regret.push(regret);
    if (regret === 0) hits++;
  }
  return {
    candidates: n,
    kendallTau: interval(kendallTau(scores, truth), samples.kendall, confidence),
    weightedTau: interval(weightedTau(scores, truth), samples.weighted, confidence),
    spearman: interval(spearman(scores, truth), samples.spearman, confidence),
    top1Hit: { value: top1Hit(scores, truth), rate: resamples > 0 ? hits / resamples : NaN },
    regret: interval(topKRegret(scores, truth, 1), samples.regret, confidence),
  };
}

/**
 * Compute fraction: samples processed by the early runs of all candidates over the samples their full
 * fine-tuning processed. In (0, ∞); below 1 is a saving (0.05 = one twentieth of the cost).
 */
export function computeFraction(earlySamples: readonly number[], fullSamples: readonly number[]): number {
  const sum = (xs: readonly number[], what: string) =>
    xs.reduce((s, x, i) => {
      if (!Number.isFinite(x) || x < 0)
        throw new InvalidSeriesError(`${what}[${i}] must be a finite count ≥ 0`);
      return s + x;
    }, 0);
  const full = sum(fullSamples, 'fullSamples');
  if (!(full > 0)) throw new InvalidSeriesError('full fine-tuning processed no samples');
  return sum(earlySamples, 'earlySamples') / full;
}

export interface NoiseCeiling {
  seeds: number;
  /** Kendall τ-b between the rankings of two seeds, over all seed pairs: mean, min, max. */
  pairwiseKendall: { mean: number; min: number; max: number };
  /** Mean τ-b of each seed's ranking against the mean of the other seeds (the best a predictor can expect). */
  leaveOneSeedOutKendall: number;
  /** Share of seeds whose best candidate is the best of the seed-mean accuracy. */
  top1Agreement: number;
}

/**
 * How well the ground truth agrees with itself across fine-tuning seeds: `accuracies[c][s]` is candidate
 * c's final accuracy with seed s (every candidate the same number of seeds, at least 2).
 */
export function noiseCeiling(accuracies: readonly (readonly number[])[]): NoiseCeiling {
  const seeds = accuracies[0]?.length ?? 0;
  if (accuracies.length < 2 || seeds < 2 || accuracies.some((row) => row.length !== seeds))
    throw new InvalidSeriesError(
      'the noise ceiling needs ≥ 2 candidates, each with the same number (≥ 2) of seeds',
    );
  const column = (s: number) => accuracies.map((row) => row[s]!);
  const pairs: number[] = [];
  for (let a = 0; a < seeds; a++)
    for (let b = a + 1; b < seeds; b++) pairs.push(kendallTau(column(a), column(b)));
  const defined = pairs.filter(Number.isFinite);
  const mean = accuracies.map((row) => row.reduce((s, v) => s + v, 0) / seeds);
  const best = mean.indexOf(Math.max(...mean));
  let leaveOut = 0;
  let agree = 0;
  for (let s = 0; s < seeds; s++) {
    const others = accuracies.map((row) => (row.reduce((t, v) => t + v, 0) - row[s]!) / (seeds - 1));
    leaveOut += kendallTau(column(s), others);
    const own = column(s);
    if (own[best] === Math.max(...own)) agree++;
  }
  return {
    seeds,
    pairwiseKendall: {
      mean: defined.reduce((s, v) => s + v, 0) / defined.length,
      min: Math.min(...defined),
      max: Math.max(...defined),
    },
    leaveOneSeedOutKendall: leaveOut / seeds,
    top1Agreement: agree / seeds,
  };
}
