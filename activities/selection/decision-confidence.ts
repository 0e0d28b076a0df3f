/**
 * How sure a rung's pick is: for the contenders of one rung, the probability that each has the best
 * validation accuracy, and the set the data cannot tell from the leader.
 *
 * Both come from the per-sample outcomes (correctness bitmaps, activities/training/outcome-bitmap.ts) of
 * every contender on the same images, compared pairwise:
 * - P(best) is a seeded paired bootstrap over images (paired-bootstrap.ts). The stated `pBest` is the
 *   probability of being best on a fresh validation sample of the same size (two-level bootstrap), the
 *   calibrated statement; `pBestPopulation`, best on the validation population (one level), is kept
 *   beside it. The bootstrap is chosen over a paired normal approximation because "best of K" needs the
 *   joint law of K correlated accuracies (a K-dimensional integral for the normal model), which
 *   resampling gives directly, with no normality assumption near 0 or 1. Neither depends on the order of
 *   the images or the names of the contenders.
 * - The tie set uses the halving stop rule's margin (`scoreMargin` of score-margin.ts, which
 *   workflows/halving.ts applies as `max(minGap, z × √(σ₁² + σ₂²))`) with the paired standard error of the gap, √(var(d) / n) for d = leader's outcome − the other's on each image, in
 *   place of the bracket's unpaired √(σ₁² + σᵢ²): on the same images the covariance is known, and
 *   ignoring it overstates the noise of a gap between correlated candidates.
 */
import type { CandidateConfidence, RungConfidence } from '../scoring/report-types.js';
import { pairedBootstrapPBest } from './paired-bootstrap.js';
import { scoreMargin } from './score-margin.js';

/** Default bootstrap resamples (Monte Carlo error of a probability ≤ 0.5/√4000 ≈ 0.008). */
export const DEFAULT_CONFIDENCE_RESAMPLES = 4000;

/** One contender's outcomes: 1 where it classified the validation image correctly (same images, same order for all). */
export interface ContenderOutcomes {
  candidateId: string;
  hits: ArrayLike<number>;
}

export interface RungConfidenceInput {
  /** The rung's contenders (at least one), each with the outcomes of its evaluation at the rung. */
  contenders: readonly ContenderOutcomes[];
  /** The stop rule's `z` and `minGap` (the spec's `budget.stop`). */
  margin: { z: number; minGap: number };
  /** Bootstrap resamples. @default DEFAULT_CONFIDENCE_RESAMPLES */
  resamples?: number;
  /** Seed of the resampling. @default 0 */
  seed?: number;
}

function checkInput(contenders: readonly ContenderOutcomes[]): number {
  if (contenders.length === 0) throw new Error('contenders needs at least one candidate');
  const n = contenders[0]!.hits.length;
  for (const c of contenders)
    if (c.hits.length !== n)
      throw new Error(
        `${c.candidateId} has ${c.hits.length} outcomes, ${contenders[0]!.candidateId} ${n}: contenders must be evaluated on the same images`,
      );
  if (n === 0) throw new Error('no validation outcomes: confidence needs a validation set');
  return n;
}

/** Mean and paired standard error (population variance, as the bracket's binomial σ) of a − b per image. */
function pairedGap(a: ArrayLike<number>, b: ArrayLike<number>, n: number): { gap: number; sd: number } {
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const d = (a[i] ? 1 : 0) - (b[i] ? 1 : 0);
    sum += d;
    squares += d * d;
  }
  const gap = sum / n;
  return { gap, sd: Math.sqrt(Math.max(0, squares / n - gap * gap) / n) };
}

/**
 * The stop rule's margin for a gap whose paired standard error is `sd`: scoreMargin with the whole σ in
 * one argument (√(sd² + 0²) = sd); Infinity when the rule is off (z = Infinity), as in the bracket.
 */
function tieMargin(margin: { z: number; minGap: number }, sd: number): number {
  return margin.z === Infinity ? Infinity : scoreMargin(margin.z, margin.minGap, sd, 0);
}

/** P(best), gaps and the tie set of one rung's contenders; see the module comment for the method. */
export function rungConfidence(input: RungConfidenceInput): RungConfidence {
  const { contenders, margin } = input;
  const resamples = input.resamples ?? DEFAULT_CONFIDENCE_RESAMPLES;
  const seed = input.seed ?? 0;
  if (!Number.isInteger(resamples) || resamples < 1)
    throw new Error(
      `resamples is ${resamples}: use a positive integer, e.g. ${DEFAULT_CONFIDENCE_RESAMPLES}`,
    );
  const n = checkInput(contenders);
  const accuracy = contenders.map((c) => Array.from(c.hits).reduce<number>((s, h) => s + (h ? 1 : 0), 0) / n);
  const order = contenders.map((_, k) => k).sort((a, b) => accuracy[b]! - accuracy[a]! || a - b);
  const leader = contenders[order[0]!]!;
  const { 'fresh-sample': pBest, population: pBestPopulation } = pairedBootstrapPBest({
    columns: contenders.map((c) => c.hits),
    resamples,
    seed,
  });
  const candidates: CandidateConfidence[] = order.map((k) => {
    const c = contenders[k]!;
    const { gap, sd } = pairedGap(leader.hits, c.hits, n);
    return {
      candidateId: c.candidateId,
      accuracy: accuracy[k]!,
      pBest: pBest[k]!,
      pBestPopulation: pBestPopulation[k]!,
      gap,
      gapSd: sd,
      tied: k === order[0] || gap <= tieMargin(margin, sd),
    };
  });
  return {
    method: 'paired-bootstrap',
    statement: 'fresh-sample',
    samples: n,
    resamples,
    seed,
    leader: leader.candidateId,
    tieSet: candidates.filter((c) => c.tied).map((c) => c.candidateId),
    candidates,
  };
}
