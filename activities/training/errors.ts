/**
 * Local errors of candidate training. `nonRetryable` tells the activity wrapper which ones a retry cannot
 * fix (bad input, an incompatible model, a diverging run); the others are worth retrying, and a retry
 * resumes from the last checkpoint.
 */

/** Base class of the training errors; on its own, a failure a retry may fix. */
export class TrainingError extends Error {
  override name = 'TrainingError';
  /** True when retrying with the same input cannot succeed. */
  readonly nonRetryable: boolean = false;
}

/** A field of {@link CandidateTrainingInput} is missing, out of range or inconsistent. */
export class InvalidTrainingInputError extends TrainingError {
  override name = 'InvalidTrainingInputError';
  override readonly nonRetryable = true;
  constructor(
    message: string,
    /** Dotted path of the offending input field, e.g. `training.batchSize`. */
    readonly field: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The model cannot serve as a backbone: no usable feature layer, unsupported format, wrong mode. */
export class IncompatibleModelError extends TrainingError {
  override name = 'IncompatibleModelError';
  override readonly nonRetryable = true;
  constructor(
    message: string,
    readonly modelUri: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The dataset is unreadable or inconsistent with itself, the spec or the model. */
export class DatasetError extends TrainingError {
  override name = 'DatasetError';
  override readonly nonRetryable = true;
  constructor(
    message: string,
    /** Dotted path of the input field the fix concerns, e.g. `dataset.numClasses`. */
    readonly field: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The training loss became NaN or ±Infinity: the run diverged, a retry would diverge again. */
export class NonFiniteLossError extends TrainingError {
  override name = 'NonFiniteLossError';
  override readonly nonRetryable = true;
  constructor(
    readonly candidateId: string,
    readonly epoch: number,
    readonly step: number,
    readonly loss: number,
  ) {
    super(
      `candidate ${candidateId}: training loss is ${loss} at epoch ${epoch}, step ${step}; ` +
        'lower training.learningRate or check the dataset normalisation',
    );
  }
}

/** Training stopped because its AbortSignal fired; the last complete checkpoint is kept. */
export class TrainingCancelledError extends TrainingError {
  override name = 'TrainingCancelledError';
  constructor(
    readonly candidateId: string,
    /** Global step reached when the cancellation was noticed. */
    readonly step: number,
    /** Store key (prefix) of the last complete checkpoint, if any. */
    readonly lastCheckpointKey: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(
      `candidate ${candidateId}: training cancelled at step ${step}` +
        (lastCheckpointKey ? `; last checkpoint ${lastCheckpointKey}` : '; no checkpoint written yet'),
      options,
    );
  }
}

/**
 * Training stopped at an epoch end because its worker is shutting down; the checkpoint of that epoch is
 * complete, so the candidate resumes from it on another worker. A graceful hand-over, not a failure: it
 * ends the activity without a Temporal retry (`nonRetryable`, so it spends none of the candidate's
 * `training.maxAttempts`) and the workflow schedules the training again (workflows/handover.ts).
 */
export class TrainingInterruptedError extends TrainingError {
  override name = 'TrainingInterruptedError';
  override readonly nonRetryable = true;
  constructor(
    readonly candidateId: string,
    /** The last epoch completed and checkpointed. */
    readonly epoch: number,
    readonly checkpointKey: string,
  ) {
    super(
      `candidate ${candidateId}: its worker is shutting down; stopped after epoch ${epoch} (checkpoint ${checkpointKey}), to resume elsewhere`,
    );
  }
}

/** A checkpoint exists for this candidate but was written for a different training setup. */
export class CheckpointMismatchError extends TrainingError {
  override name = 'CheckpointMismatchError';
  override readonly nonRetryable = true;
  constructor(
    message: string,
    readonly checkpointKey: string,
  ) {
    super(message);
  }
}

/** The result would exceed the size limit of result.json (too many snapshots for one file). */
export class ResultTooLargeError extends TrainingError {
  override name = 'ResultTooLargeError';
  override readonly nonRetryable = true;
}

/**
 * A checkpoint is present but unreadable or inconsistent (its weights do not match the SHA-256 recorded
 * in its state.json). Resuming skips it for the checkpoint before, so it never fails a candidate.
 */
export class CorruptCheckpointError extends TrainingError {
  override name = 'CorruptCheckpointError';
  constructor(
    message: string,
    readonly checkpointKey: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
