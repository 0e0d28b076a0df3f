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
 * The one place that reads a `result.json` into evidence: per-epoch validation and training loss, plus
 * the sub-epoch validation points of {@link SUB_EPOCH_VALIDATION_FIELD} when the run recorded them.
 */
export function evidenceFromResult(
  result: CandidateResult,
  beta: readonly EvidenceBetaPoint[],
): CandidateEvidence {
  const validation = new Map<number, number>();
  for (const point of subEpochValidation(result)) validation.set(point.step, point.accuracy);
  for (const e of result.epochs) {
    if (e.valAccuracy !== null && Number.isFinite(e.valAccuracy)) validation.set(e.step, e.valAccuracy);
  }
  let previous = 0;
  const trainLoss = [...result.epochs]
    .sort((a, b) => a.step - b.step)
    .map((e) => {
      const chunk = { step: e.step, steps: e.step - previous, loss: e.trainLoss };
      previous = e.step;
      return chunk;
    })
    .filter((c) => c.steps > 0 && Number.isFinite(c.loss));
  return {
    candidateId: result.candidateId,
    stepsPerEpoch: result.training.stepsPerEpoch,
    trainSamples: result.dataset.trainSamples,
    beta: [...beta].sort((a, b) => a.step - b.step),
    validation: [...validation.entries()]
      .map(([step, accuracy]) => ({ step, accuracy }))
      .sort((a, b) => a.step - b.step),
    trainLoss,
    probeInputWidth: result.model.featureDim,
    logme: finiteOrNull(result.selectionSignals?.logme),
  };
}

/**
 * Where `result.json` keeps validation evaluated inside epochs: `validationCurve: [{ step, valAccuracy }]`.
 * Named once, here; a run without it contributes its per-epoch points only.
 */
export const SUB_EPOCH_VALIDATION_FIELD = 'validationCurve';

function subEpochValidation(result: CandidateResult): { step: number; accuracy: number }[] {
  const raw = (result as unknown as Record<string, unknown>)[SUB_EPOCH_VALIDATION_FIELD];
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((p: unknown) => {
    const point = p as { step?: unknown; valAccuracy?: unknown };
    return typeof point.step === 'number' &&
      typeof point.valAccuracy === 'number' &&
      Number.isFinite(point.valAccuracy)
      ? [{ step: point.step, accuracy: point.valAccuracy }]
      : [];
  });
}
