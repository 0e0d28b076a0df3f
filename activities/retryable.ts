/**
 * Retryability, decided in one place: every ncap error class declares `nonRetryable` (true when another
 * attempt with the same input cannot succeed), and the activities turn that flag, and only that flag,
 * into Temporal's non-retryable failures (`sweep/failures.ts`). The failure `type` is the class name.
 */

/** What every ncap error class declares. */
export interface RetryClassified {
  readonly nonRetryable: boolean;
}

/** True when `error` is an Error whose class declares itself non-retryable. Anything else may be retried. */
export function isNonRetryable(error: unknown): boolean {
  return (
    error instanceof Error &&
    'nonRetryable' in error &&
    (error as Partial<RetryClassified>).nonRetryable === true
  );
}
