/**
 * Turning local errors into Temporal failures. One naming scheme: the failure `type` is the error's class
 * name (`…Error`). One source of truth for retryability: the `nonRetryable` flag each error class
 * declares (`../retryable.ts`); no list of type names anywhere else.
 */
import { ApplicationFailure } from '@temporalio/common';
import { isNonRetryable } from '../retryable.js';
import { InvalidSpecError } from '../spec/sweep-spec.js';

/** A sweep id already holds a different spec in the store. */
export class SpecConflictError extends Error {
  override name = 'SpecConflictError';
  readonly nonRetryable = true;
}

/** Wraps an unknown error: ApplicationFailures pass through; the class flag decides retryability. */
export function toApplicationFailure(error: unknown, context: string): Error {
  if (error instanceof ApplicationFailure) return error;
  if (!(error instanceof Error))
    return ApplicationFailure.retryable(`${context}: ${String(error)}`, 'UnknownError');
  return ApplicationFailure.create({
    // A spec error lists every field already; the context would only push them down.
    message: error instanceof InvalidSpecError ? error.message : `${context}: ${error.message}`,
    type: error.name,
    nonRetryable: isNonRetryable(error),
    cause: error,
  });
}
