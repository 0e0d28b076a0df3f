/**
 * Named activity option profiles. Every timeout says why it has the value it has. Task queues are not
 * part of a profile: the workflow sets them from its input (see `SweepWorkflowInput.taskQueues`).
 */
import { ActivityCancellationType, type ActivityOptions } from '@temporalio/workflow';
import type { SweepSpec } from '../activities/spec/sweep-spec.js';

/**
 * Failure types a retry cannot fix (the activities raise them non-retryable too; listing them here also
 * covers errors that reach Temporal unwrapped).
 */
export const NON_RETRYABLE_FAILURE_TYPES = [
  'InvalidSpec',
  'InvalidInput',
  'SpecConflict',
  'UnknownCandidateError',
  'InvalidTrainingInputError',
  'IncompatibleModelError',
  'DatasetError',
  'NonFiniteLossError',
];
const nonRetryableErrorTypes = NON_RETRYABLE_FAILURE_TYPES;

/** Validates the spec, writes spec.json and heads one result.json per candidate. */
export const PREPARE_PROFILE: ActivityOptions = {
  // Small reads and writes; even a 1,000-candidate resume is 1,000 HEADs, well under a minute on S3.
  startToCloseTimeout: '5 minutes',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 5,
    nonRetryableErrorTypes,
  },
};

/** Reads every snapshot of every finished candidate and writes the report. */
export const SCORE_PROFILE: ActivityOptions = {
  // β_eff is O(weights) per snapshot; a large zoo is thousands of small S3 reads. Minutes, not hours.
  startToCloseTimeout: '30 minutes',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 5,
    nonRetryableErrorTypes,
  },
};

/** One candidate's early training on a GPU worker. */
export function trainingProfile(spec: SweepSpec): ActivityOptions {
  return {
    // The whole observation window of one attempt; sized by the spec (training.maxMinutesPerCandidate).
    startToCloseTimeout: `${spec.training.maxMinutesPerCandidate} minutes`,
    // The activity heartbeats every few seconds while training and every 10 s while loading; a killed
    // worker is noticed within this time and the retry resumes from the last epoch's checkpoint.
    heartbeatTimeout: `${spec.training.heartbeatTimeoutSeconds} seconds`,
    // A queued candidate may wait for a free GPU for as long as the sweep runs: no schedule-to-start limit.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: {
      initialInterval: '5 seconds',
      backoffCoefficient: 2,
      maximumInterval: '2 minutes',
      maximumAttempts: spec.training.maxAttempts,
      nonRetryableErrorTypes,
    },
  };
}
