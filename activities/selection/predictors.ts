/** Every predictor ncap knows, by name: the rules a spec may select and the benchmark's columns. */
import { betaEffPredictor, betaScaleFreePredictor } from './beta-eff-predictor.js';
import { earlyAccuracyPredictor } from './early-accuracy.js';
import { hybrid, hybridNoBeta, predictedAccuracy } from './hybrid.js';
import { learningCurvePredictor } from './learning-curve-predictor.js';
import { logmePredictor } from './logme.js';
import type { Predictor } from './predictor.js';
import { probeWidthPredictor } from './probe-width.js';
import { randomPredictor } from './random-predictor.js';
import { tsePredictor } from './tse.js';

export const PREDICTOR_NAMES = [
  'beta-eff',
  'beta-eff-scale-free',
  'early-accuracy',
  'tse',
  'learning-curve',
  'logme',
  'probe-width',
  'random',
  'hybrid',
  'hybrid-no-beta',
  'predicted-accuracy',
] as const;
export type PredictorName = (typeof PREDICTOR_NAMES)[number];

/** The predictors whose score is a predicted final accuracy (with a predictive standard deviation). */
export const ACCURACY_PREDICTORS: ReadonlySet<PredictorName> = new Set([
  'hybrid',
  'hybrid-no-beta',
  'predicted-accuracy',
]);

export interface PredictorSettings {
  /** Direction of the β predictors. @default 'calibrate' */
  betaDirection?: 'higher' | 'lower' | 'calibrate';
  /** Fewest labelled runs to calibrate a direction or fit a ridge. @default 5 */
  minRuns?: number;
  /** Seed of the `random` predictor. @default 0 */
  randomSeed?: number;
}

export function isPredictorName(name: string): name is PredictorName {
  return (PREDICTOR_NAMES as readonly string[]).includes(name);
}

/** The predictor called `name`, configured by `settings`. */
export function createPredictor(name: PredictorName, settings: PredictorSettings = {}): Predictor {
  const beta = {
    ...(settings.betaDirection ? { direction: settings.betaDirection } : {}),
    ...(settings.minRuns !== undefined ? { minRuns: settings.minRuns } : {}),
  };
  switch (name) {
    case 'beta-eff':
      return betaEffPredictor(beta);
    case 'beta-eff-scale-free':
      return betaScaleFreePredictor(beta);
    case 'early-accuracy':
      return earlyAccuracyPredictor();
    case 'tse':
      return tsePredictor();
    case 'learning-curve':
      return learningCurvePredictor();
    case 'logme':
      return logmePredictor();
    case 'probe-width':
      return probeWidthPredictor();
    case 'random':
      return randomPredictor(settings.randomSeed ?? 0);
    case 'hybrid':
      return hybrid(settings.minRuns);
    case 'hybrid-no-beta':
      return hybridNoBeta(settings.minRuns);
    case 'predicted-accuracy':
      return predictedAccuracy(settings.minRuns);
  }
}

/** All predictors, in {@link PREDICTOR_NAMES} order. */
export const createAllPredictors = (settings: PredictorSettings = {}): Predictor[] =>
  PREDICTOR_NAMES.map((name) => createPredictor(name, settings));
