/**
 * The time-to-decision benchmark's input: each candidate's recorded early run (validation accuracy and
 * samples at every ¼ epoch up to the 2-epoch horizon, the measured training seconds) joined with its
 * converged ground truth. Training is deterministic and resumes exactly from checkpoints, so a run cut
 * at step s is the run that trained to s: every strategy is replayed on these curves.
 */
import {
  extractFeatures,
  type CandidateEvidence,
  type CandidateRow,
} from '../../activities/selection/index.js';
import type { SweepSpec } from '../../activities/spec/sweep-spec.js';
import type { ArtifactStore } from '../../activities/store/artifact-store.js';
import { readStoredSpec } from '../../activities/sweep/stored-spec.js';
import type { EvaluationPoint } from '../../activities/training/types.js';
import { DEFAULT_TRUTH_RECIPE } from '../truth/ground-truth.js';
import { EARLY_EPOCHS, EVALUATIONS_PER_EPOCH, type ProbeSetting } from '../selection/early-sweeps.js';
import type { EarlySweep } from '../selection/run-early.js';
import { cachedEvidence } from '../selection/score.js';
import { windowCut, withEvaluationPoints } from '../selection/windows.js';
import type { BenchZoo } from '../selection/zoos.js';

/** One recorded validation evaluation of an early run. */
export interface CurvePoint {
  /** Epochs trained at this point (k / evaluations per epoch). */
  epochs: number;
  step: number;
  /** Training samples processed up to this point. */
  trainSamples: number;
  /** Validation accuracy in [0, 1]. */
  valAccuracy: number;
}

/** A candidate of a zoo as the strategies see it. */
export interface RecordedCurve {
  candidateId: string;
  stepsPerEpoch: number;
  /** Every evaluation of the early run, ascending (¼, ½, ¾, 1, … up to the horizon). */
  points: CurvePoint[];
  /** Validation samples each accuracy was measured on. */
  valSamples: number;
  /** Measured training seconds of the early run per training sample (for prorated wall time). */
  secondsPerSample: number;
  /** What the selection module's predictors read (β, the validation and loss curves). */
  evidence: CandidateEvidence;
  /** Converged ground truth: mean test accuracy over the truth seeds, in [0, 1]. */
  truth: number;
  /** Training samples of one full fine-tuning run (the ground truth's recorded mean). */
  fullSamples: number;
}

/** A zoo's candidates with an early run and a ground truth, in the zoo's (manifest) order. */
export interface ZooCurves {
  zoo: string;
  setting: ProbeSetting;
  sweepId: string;
  /** The early sweep's stored spec (what a halving sweep of the same runs starts from). */
  spec: SweepSpec;
  /** Longest recorded window, epochs. */
  horizonEpochs: number;
  curves: RecordedCurve[];
  /** Candidates left out, with why (no ground truth, failed early run). */
  leftOut: { candidateId: string; reason: string }[];
}

/** The curve's point at `epochs` (the evaluation at step round(epochs · steps per epoch)). */
export function pointAt(curve: RecordedCurve, epochs: number): CurvePoint {
  const cut = windowCut(curve.points, curve.stepsPerEpoch, epochs);
  return curve.points.find((p) => p.step === cut.step)!;
}

/** The candidate's features (as the product computes them) with the run observed up to `epochs`. */
export function rowAt(curve: RecordedCurve, epochs: number): CandidateRow {
  const { step } = pointAt(curve, epochs);
  return {
    candidateId: curve.candidateId,
    features: extractFeatures(curve.evidence, {
      maxStep: step,
      // As the selection benchmark does: the full fine-tuning budget of the ground-truth recipe.
      horizonStep: DEFAULT_TRUTH_RECIPE.maxEpochs * curve.stepsPerEpoch,
    }),
  };
}

/**
 * The curve points of a run's evaluations: one every 1/`evaluationsPerEpoch` epoch.
 * @throws Error when an evaluation is missing or has no validation accuracy (the run cannot be replayed)
 */
export function curvePoints(
  evaluations: readonly EvaluationPoint[],
  stepsPerEpoch: number,
  horizonEpochs: number,
  evaluationsPerEpoch: number,
): CurvePoint[] {
  const out: CurvePoint[] = [];
  for (let k = 1; k <= Math.round(horizonEpochs * evaluationsPerEpoch); k++) {
    const epochs = k / evaluationsPerEpoch;
    const cut = windowCut(evaluations, stepsPerEpoch, epochs);
    const e = evaluations.find((x) => x.step === cut.step)!;
    if (e.valAccuracy === null || !Number.isFinite(e.valAccuracy))
      throw new Error(`no validation accuracy at step ${e.step} (${epochs} epochs)`);
    out.push({ epochs, step: e.step, trainSamples: e.trainSamples, valAccuracy: e.valAccuracy });
  }
  return out;
}

/** Reads a zoo's early runs under one probe setting (the selection benchmark's sweep and evidence cache). */
export async function loadZooCurves(
  store: ArtifactStore,
  zoo: BenchZoo,
  sweeps: readonly EarlySweep[],
  setting: ProbeSetting,
): Promise<ZooCurves> {
  const sweep = sweeps.find((s) => s.zoo === zoo.name && s.setting === setting);
  if (!sweep) throw new Error(`zoo ${zoo.name}: no early sweep for ${setting}`);
  const stored = await readStoredSpec(store, sweep.sweepId);
  if (!stored) throw new Error(`sweep ${sweep.sweepId} has no spec.json in ${store.uri}`);
  const curves: RecordedCurve[] = [];
  const leftOut: ZooCurves['leftOut'] = [];
  for (const candidate of zoo.task.candidates) {
    const truth = zoo.truth.find((t) => t.candidateId === candidate.id);
    if (!truth) {
      leftOut.push({ candidateId: candidate.id, reason: 'no ground truth' });
      continue;
    }
    const failed = sweep.failed.find((f) => f.candidateId === candidate.id);
    if (failed) {
      leftOut.push({ candidateId: candidate.id, reason: `early run failed: ${failed.reason}` });
      continue;
    }
    try {
      const { result, evidence } = await cachedEvidence(
        store,
        sweep.sweepId,
        candidate.id,
        stored.spec.selection,
      );
      const spe = result.training.stepsPerEpoch;
      const evaluations = result.evaluations ?? [];
      const trained = result.compute?.trainSamples ?? evaluations.at(-1)?.trainSamples;
      if (!trained) throw new Error('result.json records no training samples');
      curves.push({
        candidateId: candidate.id,
        stepsPerEpoch: spe,
        points: curvePoints(evaluations, spe, EARLY_EPOCHS, EVALUATIONS_PER_EPOCH),
        valSamples: result.dataset.valSamples,
        secondsPerSample: result.timing.trainSeconds / trained,
        evidence: withEvaluationPoints(evidence, evaluations),
        truth: truth.accuracy,
        fullSamples: truth.fullSamples,
      });
    } catch (error) {
      leftOut.push({ candidateId: candidate.id, reason: `no usable early run: ${(error as Error).message}` });
    }
  }
  return {
    zoo: zoo.name,
    setting,
    sweepId: sweep.sweepId,
    spec: stored.spec,
    horizonEpochs: EARLY_EPOCHS,
    curves,
    leftOut,
  };
}
