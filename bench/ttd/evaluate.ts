/**
 * A strategy's outcome on a zoo in the selection library's terms: compute fraction (samples it trained /
 * samples of fully fine-tuning every candidate), regret and Kendall τ-b of its final ranking against the
 * converged ground truth with bootstrap intervals, and wall time prorated from the measured early runs.
 */
import {
  computeFraction,
  selectionMetrics,
  type SelectionMetrics,
} from '../../activities/selection/index.js';
import { BOOTSTRAP } from '../selection/score.js';
import type { ZooCurves } from './curves.js';
import type { StrategyRun } from './strategies.js';

export interface StrategyScore {
  zoo: string;
  run: StrategyRun;
  /** Training samples the strategy processed, all candidates. */
  samples: number;
  /** Training samples of fully fine-tuning every candidate (the ground truth's). */
  fullSamples: number;
  /** samples / fullSamples. */
  computeFraction: number;
  /**
   * Seconds of training on this machine, prorated: Σ over candidates of the early run's measured
   * training seconds per sample × the samples the strategy trained it.
   */
  proratedSeconds: number;
  /** The pick and its ground truth (accuracy units); the best ground truth of the zoo. */
  pick: string;
  pickTruth: number;
  bestTruth: number;
  /**
   * τ-b, top-1 and regret of the final ranking, ties in its keys kept (bootstrap: candidates resampled,
   * the ranking held fixed).
   */
  metrics: SelectionMetrics;
}

const sameKey = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * The ranking as scores (higher = better, equal keys equal scores), in ranking order: the selection
 * metrics break ties by position, so the strategy's own pick stays the pick.
 */
export function rankingScores(ranking: StrategyRun['ranking']): number[] {
  let value = ranking.length;
  return ranking.map((r, i) => {
    if (i > 0 && !sameKey(r.key, ranking[i - 1]!.key)) value = ranking.length - i;
    return value;
  });
}

/** Scores `run` on `zoo`. @throws Error when the run's ranking does not cover the zoo's candidates */
export function scoreStrategy(zoo: ZooCurves, run: StrategyRun): StrategyScore {
  const ids = zoo.curves.map((c) => c.candidateId);
  const ranked = run.ranking.map((r) => r.candidateId);
  if (ranked.length !== ids.length || !ids.every((id) => ranked.includes(id)))
    throw new Error(`${run.id} on ${zoo.zoo}: its ranking does not cover the zoo's ${ids.length} candidates`);
  const truthOf = new Map(zoo.curves.map((c) => [c.candidateId, c.truth]));
  const scores = rankingScores(run.ranking);
  const truth = ranked.map((id) => truthOf.get(id)!);
  const spent = new Map(run.spent.map((s) => [s.candidateId, s.trainSamples]));
  const samples = zoo.curves.map((c) => spent.get(c.candidateId) ?? 0);
  const fullSamples = zoo.curves.map((c) => c.fullSamples);
  const pick = ranked[0]!;
  return {
    zoo: zoo.zoo,
    run,
    samples: samples.reduce((s, x) => s + x, 0),
    fullSamples: fullSamples.reduce((s, x) => s + x, 0),
    computeFraction: computeFraction(samples, fullSamples),
    proratedSeconds: zoo.curves.reduce((s, c, i) => s + c.secondsPerSample * samples[i]!, 0),
    pick,
    pickTruth: truthOf.get(pick)!,
    bestTruth: Math.max(...truth),
    metrics: selectionMetrics(scores, truth, BOOTSTRAP),
  };
}
