/**
 * Errors of the capacitance module. Every error thrown on bad input is a {@link CapacitanceError}, so
 * callers (the CLI, the scoring activity) can tell invalid input from bugs with one `instanceof`.
 */

/** Base class: the input (network, file, data series) is invalid, so a retry cannot help. */
export class CapacitanceError extends Error {
  override name = 'CapacitanceError';
  readonly nonRetryable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A probed network that cannot be scored: bad shapes, non-finite weights, too few layers. */
export class InvalidNetworkError extends CapacitanceError {
  override name = 'InvalidNetworkError';
  constructor(
    message: string,
    /** Index of the offending kernel in the list given by the caller, when one is to blame. */
    readonly layer?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A byte string that is not a valid safetensors file, or tensors that cannot be written as one. */
export class SafetensorsError extends CapacitanceError {
  override name = 'SafetensorsError';
}

/** A valid safetensors file whose tensors or metadata do not follow the snapshot layout (`ncp.{l}.kernel`…). */
export class SnapshotFormatError extends CapacitanceError {
  override name = 'SnapshotFormatError';
}

/** Invalid numeric input to the statistics helpers (length mismatch, non-finite values, too few points). */
export class InvalidSeriesError extends CapacitanceError {
  override name = 'InvalidSeriesError';
}
