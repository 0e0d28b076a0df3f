/** The cause a user reads of a failed sweep: the innermost ApplicationFailure, not Temporal's wrappers. */
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure, RetryState, TimeoutFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { causeLine, failureCause } from '../../../scripts/sweeps/failure-cause.js';

const activityFailed = (cause: Error) =>
  new ActivityFailure(
    'Activity task failed',
    'prepareSweep',
    '1',
    RetryState.NON_RETRYABLE_FAILURE,
    'w',
    cause,
  );

describe('failureCause', () => {
  it('reaches the innermost ApplicationFailure through the workflow and activity wrappers', () => {
    const inner = ApplicationFailure.nonRetryable(
      'NoSuchBucket: bucket "b" does not exist',
      'StoreUnusableError',
    );
    const outer = ApplicationFailure.create({ message: 'preparing sweep s', type: 'Wrapper', cause: inner });
    const error = new WorkflowFailedError(
      'Workflow execution failed',
      activityFailed(outer),
      RetryState.NON_RETRYABLE_FAILURE,
    );
    expect(causeLine(failureCause(error))).toBe(
      'StoreUnusableError: NoSuchBucket: bucket "b" does not exist',
    );
  });

  it('names a timeout when no ApplicationFailure is inside', () => {
    const timeout = new TimeoutFailure('activity timeout', undefined, 'HEARTBEAT');
    const error = new WorkflowFailedError(
      'Workflow execution failed',
      activityFailed(timeout),
      RetryState.TIMEOUT,
    );
    expect(failureCause(error)).toEqual({
      type: 'TimeoutFailure',
      message: 'activity timeout (HEARTBEAT timeout)',
    });
  });

  it('falls back to the deepest error', () => {
    expect(failureCause(new Error('outer', { cause: new TypeError('inner') }))).toEqual({
      type: 'TypeError',
      message: 'inner',
    });
  });
});
