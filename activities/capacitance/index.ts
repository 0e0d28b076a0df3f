/**
 * Neural capacitance core: β_eff of a probed network by closed form, the snapshot codec, trajectory
 * features, the accuracy regression and ranking metrics. Pure TypeScript, no I/O.
 */
export {
  CapacitanceError,
  InvalidNetworkError,
  InvalidSeriesError,
  SafetensorsError,
  SnapshotFormatError,
} from './errors.js';
export {
  assertFiniteWeights,
  countWeights,
  type DenseKernel,
  kernelLabel,
  reverseNetwork,
  transposeKernel,
  validateKernelShapes,
  validateNetwork,
} from './network.js';
export type {
  ArcWeightFunction,
  InteractionModel,
  InteractionStats,
  KernelSums,
  StatsTensor,
} from './interaction-model.js';
export {
  absProductModel,
  DEFAULT_INTERACTION_MODEL,
  INTERACTION_MODEL_NAMES,
  INTERACTION_MODELS,
  type InteractionModelName,
  isInteractionModelName,
  resolveInteractionModel,
  signedProductModel,
} from './interaction-models.js';
export {
  type BetaEffLayer,
  type BetaEffOptions,
  type BetaEffResult,
  computeBetaEff,
  type KernelSelectionOptions,
  MIN_SCORED_LAYERS,
  selectScoredKernels,
} from './beta-eff.js';
export {
  betaEffFromLineGraph,
  betaEffPerArc,
  buildLineGraph,
  countLineGraphArcs,
  type LineGraph,
  type OracleResult,
} from './line-graph-oracle.js';
export {
  type DecodedSafetensors,
  type DecodedTensor,
  type DecodeOptions,
  decodeFloat32Safetensors as decodeSafetensors,
  encodeFloat32Safetensors as encodeSafetensors,
  MAX_HEADER_BYTES,
  READABLE_DTYPES,
  type ReadableDtype,
  type TensorInput,
} from '../formats/safetensors.js';
export {
  biasTensorName,
  decodeSnapshot,
  encodeSnapshot,
  kernelsFromTensors,
  kernelTensorName,
  parseSnapshotMetadata,
  type Snapshot,
  type SnapshotInput,
  type SnapshotMetadata,
  type SnapshotTensors,
} from './snapshot.js';
export {
  type BetaPoint,
  type ObservationWindow,
  TRAJECTORY_FEATURE_NAMES,
  trajectoryFeatures,
  trajectoryFeatureVector,
  type TrajectoryFeatures,
} from './trajectory.js';
export { BayesianRidge, type BayesianRidgeOptions, type BayesianRidgePrediction } from './bayesian-ridge.js';
export {
  averageRanks,
  kendallTau,
  pearson,
  spearman,
  top1Hit,
  topKRegret,
  weightedTau,
} from './ranking-metrics.js';
export {
  BetaDirection,
  calibrateDirection,
  type DirectionCalibration,
  type DirectionOptions,
} from './direction.js';
