/** The `learning-curve` predictor: candidates by their extrapolated validation accuracy (learning-curve.ts). */
import { fixedFeaturePredictor, type Predictor } from './predictor.js';

/** `learning-curve` as a predictor: the extrapolated accuracy of the window's validation points, higher first. */
export const learningCurvePredictor = (): Predictor =>
  fixedFeaturePredictor({
    name: 'learning-curve',
    description: 'validation accuracy extrapolated by a saturating power law (higher first)',
    feature: 'curveAsymptote',
    direction: 'higher',
  });
