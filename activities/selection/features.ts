/**
 * What a candidate's early run offers the predictors: its evidence (β_eff per snapshot, validation and
 * training-loss curves, the probe's input width, LogME), and the named numeric features extracted from it
 * inside an observation window. Features are what observed runs store and what fitted predictors learn on.
 */
import { trajectoryFeatures } from '../capacitance/trajectory.js';
import type { CandidateResult } from '../training/types.js';
import { extrapolateLearningCurve } from './learning-curve.js';

/** One β_eff measurement: the snapshot at global `step`, with the sweep's interaction model. */
export interface EvidenceBetaPoint {
  step: number;
  epoch: number;
  betaEff: number;
  /** The block-normalised β_eff of the same snapshot (see `beta-scale-free.ts`); `null` when undefined. */
  betaScaleFree: number | null;
}

/** Everything the predictors may read about one candidate's early run. */
export interface CandidateEvidence {
  candidateId: string;
  /** Optimizer steps per epoch of the early run. */
  stepsPerEpoch: number;
  /** Training samples per epoch (samples seen = step / stepsPerEpoch · trainSamples). */
  trainSamples: number;
  /** β_eff per snapshot, ascending by step. */
  beta: EvidenceBetaPoint[];
  /** Validation accuracy in [0, 1] measured after global step `step`, ascending by step. */
  validation: { step: number; accuracy: number }[];
  /** Mean training loss over the `steps` optimizer steps ending at `step` (an epoch, or part of one). */
  trainLoss: { step: number; steps: number; loss: number }[];
  /** Width of the feature vector entering the probe (known before training). */
  probeInputWidth: number | null;
  /** LogME of the frozen backbone features on the training split (frozen mode), per sample. */
  logme: number | null;
}

/** The named features, in a fixed order (the hybrid's columns are a subset). */
export const FEATURE_NAMES = [
  'betaEff',
  'betaSlope',
  'betaRelativeChange',
  'betaScaleFree',
  'earlyValAccuracy',
  'tse',
  'curveAsymptote',
  'probeInputWidth',
  'logme',
] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];

/** One value per feature; `null` where the run does not provide it inside the window. */
export type CandidateFeatures = Record<FeatureName, number | null>;

/** The observation window, in optimizer steps from the start (inclusive). */
export interface FeatureWindow {
  /** Last step observed. @default the whole run */
  maxStep?: number;
  /**
   * Steps at which the learning curve is extrapolated (the full fine-tuning budget).
   * @default 10 × the window (the "at least 10× the early window")
   */
  horizonStep?: number;
}

const finiteOrNull = (x: number | null | undefined): number | null =>
  typeof x === 'number' && Number.isFinite(x) ? x : null;

/**
 * Features of `evidence` inside `window`. β features come from the snapshots at steps ≤ maxStep; early
 * accuracy is the last validation point ≤ maxStep; TSE sums the training-loss chunks ending ≤ maxStep,
 * each weighted by its share of an epoch (so with per-epoch chunks it is Σ per-epoch mean loss, Ru et
 * al.'s TSE-E); the curve asymptote extrapolates the validation points ≤ maxStep to `horizonStep`.
 */
export function extractFeatures(evidence: CandidateEvidence, window: FeatureWindow = {}): CandidateFeatures {
  const maxStep = window.maxStep ?? Infinity;
  const beta = evidence.beta.filter((p) => p.step <= maxStep && Number.isFinite(p.betaEff));
  const trajectory = beta.length > 0 ? trajectoryFeatures(beta) : null;
  const lastBeta = beta.at(-1);
  const validation = evidence.validation.filter((p) => p.step <= maxStep);
  const chunks = evidence.trainLoss.filter((c) => c.step <= maxStep);
  const windowEnd = Number.isFinite(maxStep)
    ? maxStep
    : Math.max(0, ...evidence.validation.map((p) => p.step), ...evidence.trainLoss.map((c) => c.step));
  const horizon = window.horizonStep ?? 10 * windowEnd;
  const curve =
    validation.length > 0 && horizon > 0
      ? extrapolateLearningCurve(
          validation.map((p) => p.step),
          validation.map((p) => p.accuracy),
          horizon,
        )
      : null;
  return {
    betaEff: finiteOrNull(trajectory?.final),
    betaSlope: finiteOrNull(trajectory?.slope),
    betaRelativeChange: finiteOrNull(trajectory?.relativeChange),
    betaScaleFree: finiteOrNull(lastBeta?.betaScaleFree),
    earlyValAccuracy: finiteOrNull(validation.at(-1)?.accuracy),
    tse:
      chunks.length > 0
        ? chunks.reduce((sum, c) => sum + (c.loss * c.steps) / evidence.stepsPerEpoch, 0)
        : null,
    curveAsymptote: finiteOrNull(curve?.prediction),
    probeInputWidth: finiteOrNull(evidence.probeInputWidth),
    logme: finiteOrNull(evidence.logme),
  };
}

/**
 * The one place that reads a `result.json` into evidence. A run that recorded its evaluations
 * (`evaluations: [{ step, trainLoss, valAccuracy, … }]`, the mean training loss since the previous point;
 * inside epochs with `training.evaluationsPerEpoch` > 1) gives its curves at that resolution; one without
 * them its per-epoch summary.
 */
export function evidenceFromResult(
  result: CandidateResult,
  beta: readonly EvidenceBetaPoint[],
): CandidateEvidence {
  // A NaN loss is written to JSON as null: such a point carries no curve.
  const points = (result.evaluations ?? []).filter((p) => typeof p.trainLoss === 'number');
  const curve = (points.length > 0 ? points : result.epochs).map((p) => ({
    step: p.step,
    trainLoss: p.trainLoss,
    valAccuracy: p.valAccuracy,
  }));
  curve.sort((a, b) => a.step - b.step);
  let previous = 0;
  const trainLoss: CandidateEvidence['trainLoss'] = [];
  for (const point of curve) {
    const steps = point.step - previous;
    previous = point.step;
    if (steps > 0 && Number.isFinite(point.trainLoss))
      trainLoss.push({ step: point.step, steps, loss: point.trainLoss });
  }
  return {
    candidateId: result.candidateId,
    stepsPerEpoch: result.training.stepsPerEpoch,
    trainSamples: result.dataset.trainSamples,
    beta: [...beta].sort((a, b) => a.step - b.step),
    validation: curve.flatMap((p) =>
      p.valAccuracy !== null && Number.isFinite(p.valAccuracy)
        ? [{ step: p.step, accuracy: p.valAccuracy }]
        : [],
    ),
    trainLoss,
    probeInputWidth: result.model.featureDim,
    logme: finiteOrNull(result.selectionSignals?.logme),
  };
}
