/**
 * A GPU worker stopped gracefully (SIGTERM) hands its training over: the activity checkpoints its epoch and
 * fails with a non-retryable `TrainingInterruptedError` (activities/training/errors.ts), so Temporal spends
 * none of the candidate's attempts on it, and the workflow schedules the training again, which resumes from
 * that checkpoint on another worker. Histories recorded before this carry that failure as retryable (only
 * after the last attempt): they are not hand-overs here, so they replay as they ran.
 */
import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';

/** The failure type of a hand-over: the error class's name. */
export const HANDOVER_FAILURE_TYPE = 'TrainingInterruptedError';
/** Hand-overs of one candidate's training before the next one fails it (each needs a worker stopped). */
export const MAX_HANDOVERS = 100;

/** Whether `error` is a training activity that ended in a graceful hand-over. */
export function isHandover(error: unknown): boolean {
  return (
    error instanceof ActivityFailure &&
    error.cause instanceof ApplicationFailure &&
    error.cause.type === HANDOVER_FAILURE_TYPE &&
    error.cause.nonRetryable === true
  );
}

/** Runs `train` again after each hand-over (at most {@link MAX_HANDOVERS}); other outcomes end it. */
export async function trainAcrossHandovers<T>(train: () => Promise<T>): Promise<T> {
  for (let handovers = 0; ; handovers++) {
    try {
      return await train();
    } catch (error) {
      if (!isHandover(error) || handovers >= MAX_HANDOVERS) throw error;
    }
  }
}
