/**
 * β_eff as a predictor (`beta-eff`, and `beta-eff-scale-free` over the block-normalised β̃ of
 * `beta-scale-free.ts`). Input: the candidate's β_eff at the end of the observation window, computed with
 * the sweep's interaction model and kernel selection (`abs-product` on a trainable probe, or
 * `gradient-coupled` on a frozen probe with recorded batch statistics, …), ≥ 0 for the non-negative models.
 * Output: ±β_eff. Direction: fixed when the spec says `higher`/`lower`; with `calibrate` (never assumed)
 * it is the sign of Kendall's τ between β_eff and final accuracy over the labelled runs it is fitted on —
 * earlier observed runs, or in the benchmark the other candidates (leave-one-out) or the other zoos —
 * and with fewer than `minRuns` usable runs it falls back to `higher` and says so.
 */
import { calibrateDirection } from '../capacitance/direction.js';
import type { FeatureName } from './features.js';
import type { FitInfo, FittedPredictor, LabelledRow, Predictor } from './predictor.js';

export interface BetaPredictorOptions {
  /** `higher`/`lower` fix the direction; `calibrate` learns it. @default 'calibrate' */
  direction?: 'higher' | 'lower' | 'calibrate';
  /** Fewest labelled runs to calibrate on. @default 5 */
  minRuns?: number;
}

/** The direction used when calibration has too few runs (stated in the fit's note). */
export const UNCALIBRATED_BETA_DIRECTION = 'higher' as const;

function betaPredictor(
  name: string,
  feature: FeatureName,
  description: string,
  options: BetaPredictorOptions,
): Predictor {
  const mode = options.direction ?? 'calibrate';
  const minRuns = options.minRuns ?? 5;
  const scorer = (fit: FitInfo): FittedPredictor => {
    const sign = fit.direction === 'higher' ? 1 : -1;
    return {
      fit,
      score(row) {
        const raw = row.features[feature];
        if (typeof raw !== 'number' || !Number.isFinite(raw)) return null;
        return { value: sign * raw, raw, uncertainty: null };
      },
    };
  };
  return {
    name,
    description,
    needs: [feature],
    direction: mode === 'calibrate' ? 'fitted' : mode,
    fit(training: readonly LabelledRow[]) {
      if (mode !== 'calibrate') return scorer({ runs: 0, direction: mode, source: 'fixed', note: null });
      const usable = training.filter((r) => Number.isFinite(r.features[feature]));
      const calibration = calibrateDirection(
        usable.map((r) => r.features[feature]!),
        usable.map((r) => r.finalAccuracy),
        { minRuns },
      );
      if (calibration.sign === 0) {
        return scorer({
          runs: usable.length,
          direction: UNCALIBRATED_BETA_DIRECTION,
          source: 'fallback',
          note: `direction not calibrated (${calibration.reason ?? 'unknown'}); ranks ${UNCALIBRATED_BETA_DIRECTION} first`,
        });
      }
      return scorer({
        runs: usable.length,
        direction: calibration.sign > 0 ? 'higher' : 'lower',
        source: 'fitted',
        note: `Kendall τ(β, final accuracy) = ${calibration.correlation.toFixed(3)} over ${usable.length} runs`,
      });
    },
  };
}

/** β_eff at the end of the window, with the sweep's interaction model. */
export const betaEffPredictor = (options: BetaPredictorOptions = {}): Predictor =>
  betaPredictor(
    'beta-eff',
    'betaEff',
    'β_eff at the end of the early window (sweep’s interaction model)',
    options,
  );

/** The block-normalised β̃ (probe-input-width confound removed), same direction handling. */
export const betaScaleFreePredictor = (options: BetaPredictorOptions = {}): Predictor =>
  betaPredictor(
    'beta-eff-scale-free',
    'betaScaleFree',
    'β̃: β_eff of the block-normalised line graph without the input projection (width-free)',
    options,
  );
