/**
 * Local (non-Temporal) errors of the artifact store. Activities convert them to ApplicationFailures;
 * `nonRetryable` on each class is what decides whether Temporal retries (see `sweep/failures.ts`).
 */

/** A store operation failed for a reason a retry may fix (the generic case). */
export class ArtifactStoreError extends Error {
  override name = 'ArtifactStoreError';
  /** True when another attempt with the same input cannot succeed. */
  readonly nonRetryable: boolean = false;
  constructor(
    message: string,
    readonly details: { uri?: string; bucket?: string; key?: string } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The store itself cannot be used as configured — its bucket does not exist, its folder is not writable —
 * so every attempt would fail the same way until an operator fixes it: not retried. The message names the
 * cause and the fix.
 */
export class StoreUnusableError extends ArtifactStoreError {
  override name = 'StoreUnusableError';
  override readonly nonRetryable: boolean = true;
}

/** The key does not exist (S3 is strongly consistent: a retry would not find it either). */
export class ArtifactNotFoundError extends ArtifactStoreError {
  override name = 'ArtifactNotFoundError';
  override readonly nonRetryable: boolean = true;
}

/** A conditional write (`ifNoneMatch`) lost: the key already exists; a retry reads what the winner wrote. */
export class ArtifactConflictError extends ArtifactStoreError {
  override name = 'ArtifactConflictError';
}

/**
 * The store could not be reached or answered "try later" (connection refused or reset, timeout, 5xx,
 * throttling) after the client's own quick retries: the infrastructure's fault, not the input's. The
 * store provider waits such outages out on its own schedule (`outage-retry.ts`).
 */
export class ArtifactStoreUnavailableError extends ArtifactStoreError {
  override name = 'ArtifactStoreUnavailableError';
}

/**
 * An object's bytes differ from the SHA-256 recorded when it was written (bit rot, a partial overwrite,
 * tampering): the object is unusable, and reading it again returns the same bytes.
 */
export class ArtifactIntegrityError extends ArtifactStoreError {
  override name = 'ArtifactIntegrityError';
  override readonly nonRetryable: boolean = true;
}

/** A key or key segment that must not be used (path traversal, control characters, too long…). */
export class InvalidKeyError extends Error {
  override name = 'InvalidKeyError';
  readonly nonRetryable = true;
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

/** A byte range that does not fit the object (start at or past its end) or is malformed. */
export class ArtifactRangeError extends ArtifactStoreError {
  override name = 'ArtifactRangeError';
  override readonly nonRetryable: boolean = true;
}

/** A store URI that cannot be opened: unknown scheme, missing bucket, credentials in the URI… */
export class InvalidStoreUriError extends Error {
  override name = 'InvalidStoreUriError';
  readonly nonRetryable = true;
  /** The configuration field at fault. */
  readonly field = 'storeUri';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
