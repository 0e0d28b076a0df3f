/**
 * `probe-width`: the zero-cost baseline — the width of the feature vector entering the probe, known
 * before any training. Output: a positive integer; higher is better, fixed a priori (a wider
 * representation holds at least as much linearly decodable information about the target), which is also
 * the confound the β variants must beat.
 */
import { fixedFeaturePredictor, type Predictor } from './predictor.js';

export const probeWidthPredictor = (): Predictor =>
  fixedFeaturePredictor({
    name: 'probe-width',
    description: 'width of the features entering the probe, zero-cost (higher first)',
    feature: 'probeInputWidth',
    direction: 'higher',
  });
