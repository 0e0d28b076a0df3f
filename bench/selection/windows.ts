/**
 * Early windows read from one longer run: a run evaluated `evaluationsPerEpoch` times per epoch holds, for
 * a window of w epochs, the evaluation at step round(w · stepsPerEpoch) (the training loop places its
 * evaluation points the same way), and everything before it. Pure functions over `result.json` fields.
 */
import type { CandidateEvidence } from '../../activities/selection/index.js';
import type { EvaluationPoint } from '../../activities/training/types.js';

/** Where a window ends in a run, and what it cost. */
export interface WindowCut {
  /** Last optimizer step inside the window. */
  step: number;
  /** Training samples processed up to that step. */
  trainSamples: number;
}

/**
 * The cut of a `windowEpochs` window in a run with `stepsPerEpoch` steps per epoch and these evaluation
 * points: the evaluation at step round(windowEpochs · stepsPerEpoch).
 * @throws RangeError when the run has no evaluation there (window longer than the run, or the run was
 *   evaluated too rarely for it): the window cannot be read from this run.
 */
export function windowCut(
  evaluations: readonly Pick<EvaluationPoint, 'step' | 'trainSamples'>[],
  stepsPerEpoch: number,
  windowEpochs: number,
): WindowCut {
  if (!(windowEpochs > 0) || !(stepsPerEpoch > 0))
    throw new RangeError(`window ${windowEpochs} epochs / ${stepsPerEpoch} steps per epoch must be > 0`);
  const step = Math.round(windowEpochs * stepsPerEpoch);
  const point = evaluations.find((e) => e.step === step);
  if (!point)
    throw new RangeError(
      `no validation evaluation at step ${step} (${windowEpochs} epochs × ${stepsPerEpoch} steps); the run has them at steps ${evaluations.map((e) => e.step).join(', ') || 'none'}: run it with more training.evaluationsPerEpoch or more epochs`,
    );
  return { step, trainSamples: point.trainSamples };
}

/**
 * The evidence with its validation curve and training-loss chunks taken from every evaluation point (not
 * only the epoch ends), so features inside a sub-epoch window see the points inside it. TSE over these
 * chunks equals Σ per-step loss / stepsPerEpoch, the same quantity as with per-epoch chunks.
 */
export function withEvaluationPoints(
  evidence: CandidateEvidence,
  evaluations: readonly Pick<EvaluationPoint, 'step' | 'trainLoss' | 'valAccuracy'>[] | undefined,
): CandidateEvidence {
  if (!evaluations || evaluations.length === 0) return evidence;
  const sorted = [...evaluations].sort((a, b) => a.step - b.step);
  let previous = 0;
  const trainLoss = sorted.flatMap((e) => {
    const chunk = { step: e.step, steps: e.step - previous, loss: e.trainLoss };
    previous = e.step;
    return chunk.steps > 0 && Number.isFinite(chunk.loss) ? [chunk] : [];
  });
  const validation = sorted.flatMap((e) =>
    e.valAccuracy !== null && Number.isFinite(e.valAccuracy)
      ? [{ step: e.step, accuracy: e.valAccuracy }]
      : [],
  );
  return { ...evidence, trainLoss, validation };
}
