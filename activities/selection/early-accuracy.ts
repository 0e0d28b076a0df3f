/**
 * `early-accuracy`: validation accuracy at the last evaluation inside the early window. Input: the run's
 * validation points (per epoch, and inside epochs where recorded). Output in [0, 1]; higher is better.
 */
import { fixedFeaturePredictor, type Predictor } from './predictor.js';

export const earlyAccuracyPredictor = (): Predictor =>
  fixedFeaturePredictor({
    name: 'early-accuracy',
    description: 'validation accuracy at the end of the early window (higher first)',
    feature: 'earlyValAccuracy',
    direction: 'higher',
  });
