/**
 * The outcome of full fine-tuning as `result.json` records it for a full-training sweep, read in this
 * one place: `fullTraining.finalAccuracy`, the accuracy in [0, 1] the run converged to (on the sweep's
 * test set at the best epoch when it has one, else the best validation accuracy). Such a
 * run's first epochs are also an early run, so it yields observed runs for several early windows.
 */
import type { CandidateResult } from '../training/types.js';

/** The `result.json` field holding the full-training outcome. */
export const FULL_TRAINING_FIELD = 'fullTraining';

/** Early windows (in epochs) a full-training run is recorded for, at most. */
export const MAX_OBSERVED_WINDOW_EPOCHS = 5;

/** The converged accuracy of a full-training run, or null when `result` is an early run. */
export function fullTrainingAccuracy(result: CandidateResult): number | null {
  const outcome = (result as unknown as Record<string, unknown>)[FULL_TRAINING_FIELD] as
    { finalAccuracy?: unknown } | undefined;
  const value = outcome?.finalAccuracy;
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 1 ? value : null;
}
