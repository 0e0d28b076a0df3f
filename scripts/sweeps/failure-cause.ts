/**
 * The cause a user should read of a failed sweep: the innermost `ApplicationFailure` (its type and message
 * carry the cause and fix), not the wrappers Temporal puts around it (`Workflow execution failed`,
 * `Activity task failed`). A timeout is named as one.
 */
import { ApplicationFailure, TimeoutFailure } from '@temporalio/common';

export interface FailureCause {
  type: string;
  message: string;
}

/** The innermost ApplicationFailure of `error`'s cause chain, else its innermost timeout, else its deepest error. */
export function failureCause(error: unknown): FailureCause {
  let application: ApplicationFailure | undefined;
  let timeout: TimeoutFailure | undefined;
  let deepest: unknown = error;
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 32; e = e.cause, depth++) {
    if (e instanceof ApplicationFailure) application = e;
    if (e instanceof TimeoutFailure) timeout = e;
    deepest = e;
  }
  if (application) return { type: application.type ?? 'ApplicationFailure', message: application.message };
  if (timeout)
    return {
      type: 'TimeoutFailure',
      message: `${timeout.message || 'timed out'} (${timeout.timeoutType ?? 'unknown'} timeout)`,
    };
  if (deepest instanceof Error) return { type: deepest.name, message: deepest.message };
  return { type: 'UnknownError', message: String(deepest) };
}

/** One line: `Type: message`. */
export const causeLine = (cause: FailureCause): string => `${cause.type}: ${cause.message}`;
