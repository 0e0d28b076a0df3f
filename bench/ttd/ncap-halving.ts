/**
 * ncap halving replayed: the product's own successive-halving state machine (`workflows/halving.ts`)
 * driven rung by rung with scores from the recorded curves, its configuration taken from the spec schema's
 * `budget.strategy: halving` defaults (keep fraction, stop rule) with the benchmark's rungs. The only
 * thing this file decides is where the scores come from: a {@link RungScorer}.
 */
import { extractFeatures, rankCandidates, type PredictorName } from '../../activities/selection/index.js';
import {
  DEFAULT_FALLBACK_RULE,
  DEFAULT_HALVING_RUNGS,
  DEFAULT_SELECTION_RULE,
  validateSweepSpec,
  type SweepSpec,
} from '../../activities/spec/sweep-spec.js';
import { accuracyStandardError } from '../../activities/scoring/score-rung.js';
import { stepsForEpochs } from '../../activities/training/epoch-steps.js';
import {
  bracketOf,
  nextStep,
  recordScore,
  startHalving,
  type HalvingConfig,
  type HalvingDecision,
  type RungScore,
} from '../../workflows/halving.js';
import { pointAt, type RecordedCurve } from './curves.js';
import { epochLabel, type StrategyRun } from './strategies.js';

/** Rungs of the replayed bracket: the spec's default rungs (they must lie inside the recorded 2-epoch horizon). */
export const NCAP_RUNGS = DEFAULT_HALVING_RUNGS;

/** Scores of the contenders at a rung (higher = better, with the predictor's uncertainty). */
export type RungScorer = (
  candidateIds: readonly string[],
  rung: number,
  epochs: number,
) => RungScore[] | Promise<RungScore[]>;

/**
 * Scores as the product scores a rung: each contender's features inside the rung's window (its first
 * round(epochs × steps per epoch) steps), ranked by `rule` through `rankCandidates` with no observed runs;
 * the uncertainty is the predictor's, or for early accuracy (which has none) the binomial standard error
 * of the validation accuracy.
 * @throws Error when the rule cannot score a contender (every recorded run has a validation curve)
 */
export function recordedRungScorer(
  curves: readonly RecordedCurve[],
  rule: PredictorName = DEFAULT_SELECTION_RULE,
): RungScorer {
  const byId = new Map(curves.map((c) => [c.candidateId, c]));
  return (candidateIds, rung, epochs) => {
    const rows = candidateIds.map((id) => {
      const c = byId.get(id)!;
      return {
        candidateId: id,
        features: extractFeatures(c.evidence, { maxStep: stepsForEpochs(epochs, c.stepsPerEpoch) }),
      };
    });
    const ranked = rankCandidates({
      rule,
      fallbackRule: DEFAULT_FALLBACK_RULE,
      candidates: rows,
      labelled: [],
    });
    return candidateIds.map((id) => {
      const s = ranked.candidates.find((c) => c.candidateId === id)!.score;
      if (!s) throw new Error(`${ranked.appliedRule} cannot score ${id} at ${epochs} epochs`);
      const uncertainty =
        s.uncertainty ??
        (ranked.appliedRule === 'early-accuracy'
          ? accuracyStandardError(s.raw, byId.get(id)!.valSamples)
          : null);
      return { candidateId: id, rung, score: s.value, uncertainty };
    });
  };
}

/** The halving budget a spec gets when it asks for `strategy: halving` with `rungs` and nothing else. */
export function defaultHalvingBudget(
  spec: SweepSpec,
  rungs: readonly number[],
): Extract<SweepSpec['budget'], { strategy: 'halving' }> {
  const { id: _id, ...rest } = spec;
  const validated = validateSweepSpec({
    ...rest,
    id: spec.id,
    budget: { strategy: 'halving', rungs: [...rungs] },
    training: { ...spec.training, epochs: rungs.at(-1)! },
  });
  if (validated.budget.strategy !== 'halving') throw new Error('budget.strategy: halving did not validate');
  return validated.budget;
}

/** The strategy id of a bracket config: `ncap-halving`, or `ncap-halving-ties` with `keepTies`. */
export const ncapHalvingId = (config: Pick<HalvingConfig, 'keepTies'>): string =>
  config.keepTies ? 'ncap-halving-ties' : 'ncap-halving';

export interface NcapHalvingReplay {
  run: StrategyRun;
  decision: HalvingDecision;
}

/**
 * Drives the product's bracket over `curves` (candidates in zoo order) with `score`. Ranking: by the rung
 * reached, then the score there (the decision's standings first, as the state machine orders them).
 */
export async function ncapHalving(
  curves: readonly RecordedCurve[],
  config: HalvingConfig,
  score: RungScorer,
): Promise<NcapHalvingReplay> {
  let state = startHalving(
    config,
    curves.map((c) => c.candidateId),
  );
  const rungs: StrategyRun['rungs'] = [];
  for (;;) {
    const step = nextStep(state);
    if (step.kind === 'decided') break;
    rungs.push({ epochs: step.epochs, candidates: [...step.candidateIds] });
    for (const s of await score(step.candidateIds, step.rung, step.epochs)) state = recordScore(state, s);
  }
  const decision = state.decision!;
  const bracket = bracketOf(state);
  const order = new Map(curves.map((c, i) => [c.candidateId, i]));
  const standing = new Map(decision.standings.map((s, i) => [s.candidateId, i]));
  const ranked = [...bracket].sort(
    (a, b) =>
      b.rung - a.rung ||
      (standing.get(a.candidateId) ?? Infinity) - (standing.get(b.candidateId) ?? Infinity) ||
      (b.score ?? -Infinity) - (a.score ?? -Infinity) ||
      order.get(a.candidateId)! - order.get(b.candidateId)!,
  );
  if (decision.winner !== null && ranked[0]!.candidateId !== decision.winner)
    throw new Error(
      `halving ranking head ${ranked[0]!.candidateId} is not the decision's ${decision.winner}`,
    );
  return {
    decision,
    run: {
      id: ncapHalvingId(config),
      family: 'ncap-halving',
      label: `ncap halving (rungs ${config.rungs.map(epochLabel).join(', ')} ep, keep ${fractionLabel(config.keepFraction)}${config.keepTies ? ' and ties' : ''}, z ${config.z})`,
      spent: curves.map((c) => {
        const b = bracket.find((x) => x.candidateId === c.candidateId)!;
        return {
          candidateId: c.candidateId,
          epochs: b.epochs,
          trainSamples: pointAt(c, b.epochs).trainSamples,
        };
      }),
      ranking: ranked.map((b) => ({
        candidateId: b.candidateId,
        key: [b.rung, b.score ?? -Infinity],
      })),
      rungs,
      makespanSeconds: null,
      note: `${decision.reason}: ${decision.message}`,
    },
  };
}

const fractionLabel = (f: number): string => (Math.abs(f - 1 / 3) < 1e-9 ? '⅓' : String(f));
