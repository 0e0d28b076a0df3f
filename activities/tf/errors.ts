/** Local errors of the TF.js runtime: backend selection and the replacement gradient kernels. */

/** Base class of the TF.js runtime errors. */
export class TfRuntimeError extends Error {
  override name = 'TfRuntimeError';
  /** True when another attempt with the same input cannot succeed. */
  readonly nonRetryable: boolean = false;
}

/** The requested backend (option or `NCAP_TF_BACKEND`) is not installed or failed to start. */
export class TfBackendUnavailableError extends TfRuntimeError {
  override name = 'TfBackendUnavailableError';
  // Worker pools are uniform: the next worker lacks the backend too. Fix the image, then resume.
  override readonly nonRetryable = true;
  constructor(
    message: string,
    /** The backend that was asked for. */
    readonly backend: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** `NCAP_TF_BACKEND` or the `backend` option names no known backend. */
export class InvalidTfBackendError extends TfRuntimeError {
  override name = 'InvalidTfBackendError';
  override readonly nonRetryable = true;
  constructor(
    message: string,
    /** Where the bad value came from: `NCAP_TF_BACKEND` or `options.backend`. */
    readonly field: string,
  ) {
    super(message);
  }
}

/** `initTf` was asked for a backend other than the one this process already runs. */
export class TfRuntimeConflictError extends TfRuntimeError {
  override name = 'TfRuntimeConflictError';
  override readonly nonRetryable = true;
}

/** A replacement kernel was called with attributes it does not implement (e.g. dilations > 1). */
export class UnsupportedKernelAttrsError extends TfRuntimeError {
  override name = 'UnsupportedKernelAttrsError';
  override readonly nonRetryable = true;
  constructor(
    message: string,
    /** The TF.js kernel name, e.g. `Conv2DBackpropFilter`. */
    readonly kernelName: string,
  ) {
    super(message);
  }
}
