/**
 * The selection module: predictors, the one ranking path, metrics and the benchmark protocols. Drive it
 * from a script: read early runs (scoring/sweep-feature-rows.ts), attach each row's final accuracy, and
 * call {@link benchmarkSelection} with {@link createAllPredictors}.
 */
export { betaScaleFree } from './beta-scale-free.js';
export {
  betaEffPredictor,
  betaScaleFreePredictor,
  UNCALIBRATED_BETA_DIRECTION,
} from './beta-eff-predictor.js';
export { earlyAccuracyPredictor } from './early-accuracy.js';
export {
  benchmarkSelection,
  leaveOneOutScores,
  leaveOneZooOutScores,
  type BenchmarkResult,
  type BenchmarkZoo,
  type PredictorEvaluation,
} from './evaluate.js';
export {
  evidenceFromResult,
  extractFeatures,
  FEATURE_NAMES,
  type CandidateEvidence,
  type CandidateFeatures,
  type FeatureName,
  type FeatureWindow,
} from './features.js';
export { FULL_TRAINING_FIELD, fullTrainingAccuracy } from './full-training.js';
export { hybridPredictor, HYBRID_FEATURES, HYBRID_NO_BETA_FEATURES } from './hybrid.js';
export { extrapolateLearningCurve } from './learning-curve.js';
export { learningCurvePredictor } from './learning-curve-predictor.js';
export { logme, logmePredictor } from './logme.js';
export {
  computeFraction,
  noiseCeiling,
  selectionMetrics,
  type BootstrapOptions,
  type Interval,
  type NoiseCeiling,
  type SelectionMetrics,
} from './metrics.js';
export {
  datasetKeyOf,
  InvalidObservedRunError,
  parseObservedRun,
  readObservedRuns,
  writeObservedRun,
  type ObservedRun,
} from './observed-runs.js';
export type {
  CandidateRow,
  FitInfo,
  FittedPredictor,
  LabelledRow,
  Predictor,
  PredictorScore,
} from './predictor.js';
export {
  ACCURACY_PREDICTORS,
  createAllPredictors,
  createPredictor,
  PREDICTOR_NAMES,
  type PredictorName,
  type PredictorSettings,
} from './predictors.js';
export { probeWidthPredictor } from './probe-width.js';
export { randomPredictor } from './random-predictor.js';
export { rankCandidates, type RankInput, type RankOutput } from './rank.js';
export { tsePredictor } from './tse.js';
