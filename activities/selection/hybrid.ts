/**
 * Hybrids: a Bayesian ridge regression (scikit-learn's `BayesianRidge`, `capacitance/bayesian-ridge.ts`)
 * from a candidate's early-run features to its final accuracy, fitted on labelled runs — observed runs of
 * earlier sweeps in production; the other candidates (leave-one-out) or the other zoos (leave-one-zoo-out)
 * in the benchmark.
 *
 * Input: the features listed (β_eff features, early accuracy, TSE, the curve extrapolation); a feature is
 * used when every training run has it, and each column is standardised by the training runs' mean and
 * standard deviation (constant columns are dropped), so the shared weight prior treats features of
 * different units alike. Output: the predicted final accuracy (≈ [0, 1]) with its predictive standard
 * deviation; higher is better. With fewer than `minRuns` training runs it cannot fit and scores nothing
 * (the caller's fallback applies, and the fit's note says so).
 */
import { BayesianRidge } from '../capacitance/bayesian-ridge.js';
import type { FeatureName } from './features.js';
import type { FittedPredictor, LabelledRow, Predictor } from './predictor.js';

export interface HybridOptions {
  name: string;
  description: string;
  features: readonly FeatureName[];
  /** Fewest training runs to fit. @default 5 */
  minRuns?: number;
}

/** β_eff features + early accuracy + TSE + curve: the hybrid the issue asks for. */
export const HYBRID_FEATURES = [
  'betaEff',
  'betaSlope',
  'betaRelativeChange',
  'betaScaleFree',
  'earlyValAccuracy',
  'tse',
  'curveAsymptote',
] as const satisfies readonly FeatureName[];
/** The same without any β feature: what β adds is the difference between the two. */
export const HYBRID_NO_BETA_FEATURES = [
  'earlyValAccuracy',
  'tse',
  'curveAsymptote',
] as const satisfies readonly FeatureName[];
/** The original `predicted-accuracy` rule: the β_eff trajectory and early accuracy. */
export const PREDICTED_ACCURACY_FEATURES = [
  'betaEff',
  'betaSlope',
  'betaRelativeChange',
  'earlyValAccuracy',
] as const satisfies readonly FeatureName[];

const finite = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

export function hybridPredictor(options: HybridOptions): Predictor {
  const minRuns = options.minRuns ?? 5;
  return {
    name: options.name,
    description: options.description,
    needs: options.features,
    direction: 'fitted',
    fit(training: readonly LabelledRow[]): FittedPredictor {
      const unfitted = (note: string): FittedPredictor => ({
        fit: { runs: training.length, direction: 'higher', source: 'fallback', note },
        score: () => null,
      });
      if (training.length < minRuns)
        return unfitted(`${training.length} labelled runs; the ridge needs at least ${minRuns}`);
      const columns: { name: FeatureName; mean: number; std: number }[] = [];
      const dropped: FeatureName[] = [];
      for (const name of options.features) {
        const values = training.map((r) => r.features[name]);
        if (!values.every(finite)) {
          dropped.push(name);
          continue;
        }
        const mean = values.reduce((s, v) => s + v, 0) / values.length;
        const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
        if (!(std > 0)) {
          dropped.push(name);
          continue;
        }
        columns.push({ name, mean, std });
      }
      if (columns.length === 0) return unfitted('no feature is present and varying in every labelled run');
      const row = (features: LabelledRow['features']): number[] | null => {
        const out: number[] = [];
        for (const c of columns) {
          const v = features[c.name];
          if (!finite(v)) return null;
          out.push((v - c.mean) / c.std);
        }
        return out;
      };
      const model = new BayesianRidge().fit(
        training.map((r) => row(r.features)!),
        training.map((r) => r.finalAccuracy),
      );
      return {
        fit: {
          runs: training.length,
          direction: 'higher',
          source: 'fitted',
          note:
            `Bayesian ridge on ${columns.map((c) => c.name).join(', ')} over ${training.length} runs` +
            (dropped.length > 0 ? ` (left out: ${dropped.join(', ')})` : ''),
        },
        score(candidate) {
          const x = row(candidate.features);
          if (!x) return null;
          const prediction = model.predict([x]);
          const mean = prediction.mean[0]!;
          return { value: mean, raw: mean, uncertainty: prediction.std[0]! };
        },
      };
    },
  };
}

export const hybrid = (minRuns?: number): Predictor =>
  hybridPredictor({
    name: 'hybrid',
    description: 'Bayesian ridge over β_eff features, early accuracy, TSE and the curve extrapolation',
    features: HYBRID_FEATURES,
    ...(minRuns !== undefined ? { minRuns } : {}),
  });

export const hybridNoBeta = (minRuns?: number): Predictor =>
  hybridPredictor({
    name: 'hybrid-no-beta',
    description: 'Bayesian ridge over early accuracy, TSE and the curve extrapolation (no β)',
    features: HYBRID_NO_BETA_FEATURES,
    ...(minRuns !== undefined ? { minRuns } : {}),
  });

export const predictedAccuracy = (minRuns?: number): Predictor =>
  hybridPredictor({
    name: 'predicted-accuracy',
    description: 'Bayesian ridge over the β_eff trajectory and early accuracy',
    features: PREDICTED_ACCURACY_FEATURES,
    ...(minRuns !== undefined ? { minRuns } : {}),
  });
