/**
 * The strategies the time-to-decision benchmark compares, each replayed on a zoo's recorded early curves
 * (see curves.ts): what every candidate trained (epochs, samples), the final ranking (best first; its head
 * is the pick) and who was still in at each rung. Pure functions of the curves.
 */
import { rankCandidates } from '../../activities/selection/index.js';
import { DEFAULT_FALLBACK_RULE, DEFAULT_SELECTION_RULE } from '../../activities/spec/sweep-spec.js';
import { simulateAsha, type AshaSettings } from './asha.js';
import { pointAt, rowAt, type RecordedCurve } from './curves.js';

export const STRATEGY_FAMILIES = ['fixed', 'ncap-halving', 'asha', 'naive-halving', 'full'] as const;
export type StrategyFamily = (typeof STRATEGY_FAMILIES)[number];

/** What one candidate cost under a strategy. */
export interface CandidateSpend {
  candidateId: string;
  /** Epochs trained (the point it stopped at). */
  epochs: number;
  /** Training samples processed up to there. */
  trainSamples: number;
}

/** A strategy replayed on one zoo. */
export interface StrategyRun {
  /** Stable id, e.g. `fixed@0.5`, `asha-quarter-rf2-k2`. */
  id: string;
  family: StrategyFamily;
  /** One line for tables. */
  label: string;
  /** Per candidate, in the zoo's order. */
  spent: CandidateSpend[];
  /**
   * The final ranking, best first (`ranking[0]` is the pick): each candidate with the key it was ranked
   * by, compared lexicographically; equal keys are ties (broken as the strategy broke them).
   */
  ranking: { candidateId: string; key: number[] }[];
  /** Contenders trained to each rung (epochs ascending): the survivors of the rung before. */
  rungs: { epochs: number; candidates: string[] }[];
  /** Simulated seconds until the decision on the strategy's workers; null when not simulated. */
  makespanSeconds: number | null;
  /** How it decided, in one line. */
  note: string;
}

const spendAt = (curve: RecordedCurve, epochs: number): CandidateSpend => ({
  candidateId: curve.candidateId,
  epochs,
  trainSamples: pointAt(curve, epochs).trainSamples,
});

const byScoreThenOrder =
  (curves: readonly RecordedCurve[], score: (c: RecordedCurve) => number) =>
  (a: RecordedCurve, b: RecordedCurve): number =>
    score(b) - score(a) || curves.indexOf(a) - curves.indexOf(b);

/**
 * Every candidate trains `epochs`, the product's default rule ({@link DEFAULT_SELECTION_RULE}, through
 * the one ranking path `rankCandidates`) ranks them.
 */
export function fixedWindow(curves: readonly RecordedCurve[], epochs: number): StrategyRun {
  const ranked = rankCandidates({
    rule: DEFAULT_SELECTION_RULE,
    fallbackRule: DEFAULT_FALLBACK_RULE,
    candidates: curves.map((c) => rowAt(c, epochs)),
    labelled: [],
  });
  return {
    id: `fixed@${epochs}`,
    family: 'fixed',
    label: `fixed window ${epochLabel(epochs)} ep (\`${ranked.appliedRule}\`)`,
    spent: curves.map((c) => spendAt(c, epochs)),
    ranking: ranked.candidates.map((c) => ({
      candidateId: c.candidateId,
      key: [c.score ? c.score.value : -Infinity],
    })),
    rungs: [{ epochs, candidates: curves.map((c) => c.candidateId) }],
    makespanSeconds: null,
    note: `every candidate ${epochLabel(epochs)} epochs, ranked by ${ranked.appliedRule}${ranked.fallback ? ` (${ranked.fallback})` : ''}`,
  };
}

/**
 * The issue's naive halving: every candidate `firstEpochs`, the best third (⌈n/3⌉) by validation
 * accuracy on to `horizonEpochs`, the best there wins. Ranking: survivors by their accuracy at the
 * horizon, then the others by theirs at `firstEpochs` (ties: zoo order).
 */
export function naiveHalving(
  curves: readonly RecordedCurve[],
  firstEpochs: number,
  horizonEpochs: number,
): StrategyRun {
  const first = [...curves].sort(byScoreThenOrder(curves, (c) => pointAt(c, firstEpochs).valAccuracy));
  const kept = first.slice(0, Math.ceil(curves.length / 3));
  const cut = first.slice(kept.length);
  const survivors = [...kept].sort(byScoreThenOrder(curves, (c) => pointAt(c, horizonEpochs).valAccuracy));
  return {
    id: `naive-halving@${firstEpochs}-${horizonEpochs}`,
    family: 'naive-halving',
    label: `naive halving (all ${epochLabel(firstEpochs)} ep, best ⅓ to ${epochLabel(horizonEpochs)})`,
    spent: curves.map((c) => spendAt(c, kept.includes(c) ? horizonEpochs : firstEpochs)),
    ranking: [
      ...survivors.map((c) => ({
        candidateId: c.candidateId,
        key: [1, pointAt(c, horizonEpochs).valAccuracy],
      })),
      ...cut.map((c) => ({ candidateId: c.candidateId, key: [0, pointAt(c, firstEpochs).valAccuracy] })),
    ],
    rungs: [
      { epochs: firstEpochs, candidates: curves.map((c) => c.candidateId) },
      { epochs: horizonEpochs, candidates: kept.map((c) => c.candidateId) },
    ],
    makespanSeconds: null,
    note: `${kept.length} of ${curves.length} continued to ${epochLabel(horizonEpochs)} epochs`,
  };
}

/** An ASHA configuration: Ray's settings in units of `epochsPerIteration` epochs (one report each). */
export interface AshaVariant {
  id: string;
  /** How the setting is described in tables. */
  label: string;
  /** Epochs per training iteration (`time_attr` unit): 1 = one report per epoch, 0.25 = per ¼ epoch. */
  epochsPerIteration: number;
  gracePeriod: number;
  reductionFactor: number;
}

/**
 * ASHA (Ray Tune's rule, see asha.ts) on `workers` workers, candidates started in zoo order, max_t = the
 * recorded horizon; an iteration's duration is the candidate's measured seconds per sample × its samples.
 */
export function asha(
  curves: readonly RecordedCurve[],
  variant: AshaVariant,
  workers: number,
  horizonEpochs: number,
): StrategyRun {
  const u = variant.epochsPerIteration;
  const maxT = Math.round(horizonEpochs / u);
  const settings: AshaSettings = {
    gracePeriod: variant.gracePeriod,
    reductionFactor: variant.reductionFactor,
    maxT,
  };
  const trials = curves.map((c) => ({
    id: c.candidateId,
    reports: Array.from({ length: maxT }, (_, i) => {
      const samples = pointAt(c, (i + 1) * u).trainSamples;
      const before = i === 0 ? 0 : pointAt(c, i * u).trainSamples;
      return {
        reward: pointAt(c, (i + 1) * u).valAccuracy,
        seconds: (samples - before) * c.secondsPerSample,
      };
    }),
  }));
  const run = simulateAsha(trials, settings, workers);
  const byId = new Map(run.trials.map((t) => [t.id, t]));
  const ranking = [...curves]
    .sort(byScoreThenOrder(curves, (c) => byId.get(c.candidateId)!.lastReward))
    .map((c) => ({ candidateId: c.candidateId, key: [byId.get(c.candidateId)!.lastReward] }));
  // Ray's pick (best last result, ties to the earlier trial) is the head of this ranking.
  if (ranking[0]!.candidateId !== run.best)
    throw new Error(`ASHA ranking head ${ranking[0]!.candidateId} is not Ray's pick ${run.best}`);
  const milestones = run.rungs.filter((r) => r.milestone < maxT);
  return {
    id: `${variant.id}-k${workers}`,
    family: 'asha',
    label: `ASHA, ${variant.label}, K=${workers}`,
    spent: curves.map((c) => spendAt(c, byId.get(c.candidateId)!.iterations * u)),
    ranking,
    rungs: [
      ...milestones.map((r) => ({ epochs: r.milestone * u, candidates: r.recorded })),
      {
        epochs: horizonEpochs,
        candidates: run.trials.filter((t) => t.stoppedBy === 'max_t').map((t) => t.id),
      },
    ],
    makespanSeconds: run.makespan,
    note: `grace_period ${variant.gracePeriod}, reduction_factor ${variant.reductionFactor}, max_t ${maxT} (1 unit = ${epochLabel(u)} ep); milestones ${run.rungs.map((r) => r.milestone).join(', ')}`,
  };
}

/** Full fine-tuning of everyone: the ground truth itself (regret 0 and τ 1 by definition). */
export function fullFineTuning(curves: readonly RecordedCurve[]): StrategyRun {
  return {
    id: 'full',
    family: 'full',
    label: 'full fine-tuning of every candidate',
    spent: curves.map((c) => ({ candidateId: c.candidateId, epochs: NaN, trainSamples: c.fullSamples })),
    ranking: [...curves]
      .sort(byScoreThenOrder(curves, (c) => c.truth))
      .map((c) => ({ candidateId: c.candidateId, key: [c.truth] })),
    rungs: [],
    makespanSeconds: null,
    note: 'the converged ground truth: regret 0 and τ 1 against itself by definition',
  };
}

export const epochLabel = (w: number): string =>
  w === 0.25 ? '¼' : w === 0.5 ? '½' : w === 0.75 ? '¾' : String(w);
