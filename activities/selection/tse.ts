/**
 * `tse`: training speed estimation (Ru, Lyle, Schut, Fil, van der Wilk, Gal: "Speedy Performance
 * Estimation for Neural Architecture Search", NeurIPS 2021), TSE-E: the sum over the early window of the
 * per-epoch mean training loss, a part of an epoch counting by its share. Input: the run's training-loss
 * chunks. Output ≥ 0 (cross-entropy units × epochs); lower is better.
 */
import { fixedFeaturePredictor, type Predictor } from './predictor.js';

export const tsePredictor = (): Predictor =>
  fixedFeaturePredictor({
    name: 'tse',
    description: 'TSE: summed early training loss (lower first)',
    feature: 'tse',
    direction: 'lower',
  });
