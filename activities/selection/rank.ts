/**
 * The one scoring path: rank a sweep's candidates under a selection rule, learning from labelled runs,
 * falling back (and saying so) when the rule cannot score. The reduce step, `ncap report --rescore`, the
 * progress view and the benchmark all rank through here.
 */
import type { CandidateRow, FitInfo, LabelledRow, PredictorScore } from './predictor.js';
import { createPredictor, type PredictorName, type PredictorSettings } from './predictors.js';

export interface RankInput {
  /** The rule asked for. */
  rule: PredictorName;
  /** The rule used when `rule` cannot score any candidate (e.g. too few labelled runs to fit). */
  fallbackRule: PredictorName;
  candidates: readonly CandidateRow[];
  /** Labelled runs the fitted predictors learn on (observed runs of earlier sweeps). */
  labelled: readonly LabelledRow[];
  settings?: PredictorSettings;
}

export interface RankedCandidate {
  candidateId: string;
  /** 1 = the pick; null when the applied rule cannot score the candidate. */
  rank: number | null;
  score: PredictorScore | null;
}

export interface RankOutput {
  requestedRule: PredictorName;
  /** The rule whose scores produced the ranking. */
  appliedRule: PredictorName;
  /** Why the requested rule was not applied; null when it was. */
  fallback: string | null;
  /** How the applied rule was fitted (direction, runs, notes). */
  fit: FitInfo;
  /** Ranked candidates first (by score, ties by id), then the unscored ones in input order. */
  candidates: RankedCandidate[];
}

function rankUnder(name: PredictorName, input: RankInput) {
  const fitted = createPredictor(name, input.settings).fit(input.labelled);
  const scored = input.candidates.map((row) => ({ candidateId: row.candidateId, score: fitted.score(row) }));
  return { fit: fitted.fit, scored };
}

export function rankCandidates(input: RankInput): RankOutput {
  let applied = input.rule;
  let fallback: string | null = null;
  let { fit, scored } = rankUnder(applied, input);
  if (
    scored.every((c) => c.score === null) &&
    input.candidates.length > 0 &&
    input.rule !== input.fallbackRule
  ) {
    fallback = `rule ${input.rule} could not score any candidate (${fit.note ?? 'a feature it needs is missing'}); fell back to ${input.fallbackRule}`;
    applied = input.fallbackRule;
    ({ fit, scored } = rankUnder(applied, input));
  } else if (fit.source === 'fallback' && fit.note) {
    fallback = fit.note;
  }
  const ranked = scored
    .filter((c) => c.score !== null)
    .sort((a, b) => b.score!.value - a.score!.value || a.candidateId.localeCompare(b.candidateId))
    .map((c, i) => ({ ...c, rank: i + 1 }));
  const unscored = scored.filter((c) => c.score === null).map((c) => ({ ...c, rank: null }));
  return {
    requestedRule: input.rule,
    appliedRule: applied,
    fallback,
    fit,
    candidates: [...ranked, ...unscored],
  };
}
