/**
 * The predictor interface: every way ncap can rank candidates (β_eff, its variants, the baselines, the
 * hybrids) is a {@link Predictor}. A predictor names the features it needs, says which way its raw value
 * points (or that it learns that from labelled runs), and is fitted on labelled runs — earlier
 * sweeps' observed runs in production, the other candidates (leave-one-out) or the other zoos
 * (leave-one-zoo-out) in the benchmark — before it scores. Fixed predictors ignore the labelled runs.
 */
import type { CandidateFeatures, FeatureName } from './features.js';

/** A candidate to score: its id and its features. */
export interface CandidateRow {
  candidateId: string;
  features: CandidateFeatures;
}

/** A run whose final accuracy (after full fine-tuning, in [0, 1]) is known: what fitted predictors learn on. */
export interface LabelledRow extends CandidateRow {
  finalAccuracy: number;
}

/** One candidate's score. */
export interface PredictorScore {
  /** Higher = predicted better (the raw value oriented by the direction). */
  value: number;
  /** The predictor's own value before orientation (β_eff, TSE, a predicted accuracy…). */
  raw: number;
  /** A standard deviation on `value` where the predictor has one (curve fit, Bayesian ridge); else null. */
  uncertainty: number | null;
}

/** How a predictor was fitted. */
export interface FitInfo {
  /** Labelled runs it learned from (0 for fixed predictors). */
  runs: number;
  /** Orientation of the raw value actually used. */
  direction: 'higher' | 'lower';
  /** `fixed`: known before looking; `fitted`: learned from the runs; `fallback`: too few usable runs. */
  source: 'fixed' | 'fitted' | 'fallback';
  /** Why it fell back, or what it learned, in one line. */
  note: string | null;
}

export interface FittedPredictor {
  readonly fit: FitInfo;
  /** The candidate's score, or null when a needed feature is missing (or the fallback cannot score). */
  score(row: CandidateRow): PredictorScore | null;
}

export interface Predictor {
  /** Stable identifier, e.g. `early-accuracy`; used in spec rules, reports and the benchmark. */
  readonly name: string;
  /** One line for reports. */
  readonly description: string;
  /** Features read from a candidate's run. */
  readonly needs: readonly FeatureName[];
  /** `higher`/`lower`: fixed orientation of the raw value; `fitted`: learned from labelled runs. */
  readonly direction: 'higher' | 'lower' | 'fitted';
  /** Fits on labelled runs (fixed predictors ignore them) and returns the scorer. */
  fit(training: readonly LabelledRow[]): FittedPredictor;
}

/** Whether every feature in `needs` is present (finite) in `features`. */
export function hasFeatures(features: CandidateFeatures, needs: readonly FeatureName[]): boolean {
  return needs.every((name) => typeof features[name] === 'number' && Number.isFinite(features[name]));
}

/** A predictor whose raw value is one feature with a fixed orientation. */
export function fixedFeaturePredictor(options: {
  name: string;
  description: string;
  feature: FeatureName;
  direction: 'higher' | 'lower';
  uncertainty?: (row: CandidateRow) => number | null;
}): Predictor {
  const sign = options.direction === 'higher' ? 1 : -1;
  const fitted: FittedPredictor = {
    fit: { runs: 0, direction: options.direction, source: 'fixed', note: null },
    score(row) {
      const raw = row.features[options.feature];
      if (typeof raw !== 'number' || !Number.isFinite(raw)) return null;
      return { value: sign * raw, raw, uncertainty: options.uncertainty?.(row) ?? null };
    },
  };
  return {
    name: options.name,
    description: options.description,
    needs: [options.feature],
    direction: options.direction,
    fit: () => fitted,
  };
}
