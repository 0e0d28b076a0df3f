/**
 * The outcome of full fine-tuning as `result.json` records it for a full-training run
 * (`training.stopping`), read in this one place: the test-set accuracy (`test.accuracy`) when the run had
 * a test set, else the best epoch's validation accuracy (`fullTraining.best.valAccuracy`), in [0, 1].
 * Such a run's first epochs are also an early run, so it yields observed runs for several early windows.
 */
import type { CandidateResult } from '../training/types.js';

/** The `result.json` field marking a full-training run. */
export const FULL_TRAINING_FIELD = 'fullTraining';

/** Early windows (in epochs) a full-training run is recorded for, at most. */
export const MAX_OBSERVED_WINDOW_EPOCHS = 5;

const fraction = (v: unknown): number | null =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1 ? v : null;

/** The converged accuracy of a full-training run, or null when `result` is an early run. */
export function fullTrainingAccuracy(result: CandidateResult): number | null {
  const record = result as unknown as Record<string, unknown>;
  const outcome = record[FULL_TRAINING_FIELD] as { best?: { valAccuracy?: unknown } } | undefined;
  if (!outcome) return null;
  const test = record.test as { accuracy?: unknown } | undefined;
  return fraction(test?.accuracy) ?? fraction(outcome.best?.valAccuracy);
}
