/**
 * Named activity option profiles. Every timeout says why it has the value it has. Task queues are not
 * part of a profile: the workflow sets them from its input (see `SweepWorkflowInput.taskQueues`).
 */
import { ActivityCancellationType, type ActivityOptions } from '@temporalio/workflow';
import type { SweepSpec } from '../activities/spec/sweep-spec.js';

/*
 * Two kinds of failure, two schedules:
 * - the candidate's or the input's fault (bad spec, model, dataset, divergence…): each error class
 *   declares `nonRetryable` (activities/retryable.ts) and the activities raise such failures
 *   non-retryable, so they burn exactly one attempt; the retry policies below list no type names.
 * - the store's fault (unreachable, 5xx, throttled): waited out inside the store call, with its own
 *   backoff of 1 s doubling to 30 s for up to 5 minutes per call (activities/store/outage-retry.ts), so an
 *   outage costs time, not attempts. Only an outage longer than that reaches these policies, as a
 *   retryable ArtifactStoreUnavailableError, and the sweep then gets their attempts on top.
 */

/**
 * How long a silent orchestrator activity is presumed lost: the spec's `training.heartbeatTimeoutSeconds`,
 * the one setting for every worker of the sweep. The activities heartbeat all along (a third of this, at
 * most every 10 s: activities/sweep/keepalive.ts), so a SIGKILLed orchestrator costs this long plus a
 * retry's backoff, not a start-to-close timeout. Every recorded spec carries the field (it defaults since
 * the first sweep spec); adding a heartbeat timeout to an activity's options is replay-safe.
 */
function orchestratorHeartbeat(spec: SweepSpec): Pick<ActivityOptions, 'heartbeatTimeout'> {
  return { heartbeatTimeout: `${spec.training.heartbeatTimeoutSeconds} seconds` };
}

/** Validates the spec, writes spec.json and reads each candidate's result.json (16 GETs at a time). */
export function prepareProfile(spec: SweepSpec): ActivityOptions {
  return {
    // Small reads and writes: even a 1,000-candidate resume is 1,000 small GETs, well under a minute on
    // S3; the rest is room for store outages waited out inside the calls (up to 5 minutes each).
    startToCloseTimeout: '15 minutes',
    ...orchestratorHeartbeat(spec),
    retry: {
      initialInterval: '1 second',
      backoffCoefficient: 2,
      maximumInterval: '30 seconds',
      maximumAttempts: 5,
    },
  };
}

/** Reads every snapshot of every finished candidate and writes the report (`scoreSweep`, `scoreRung`). */
export function scoreProfile(spec: SweepSpec): ActivityOptions {
  return {
    // β_eff is O(weights) per snapshot; a large zoo is thousands of small S3 reads. Minutes, not hours.
    startToCloseTimeout: '30 minutes',
    ...orchestratorHeartbeat(spec),
    retry: {
      initialInterval: '2 seconds',
      backoffCoefficient: 2,
      maximumInterval: '1 minute',
      maximumAttempts: 5,
    },
  };
}

/** One candidate's early training on a GPU worker. */
export function trainingProfile(spec: SweepSpec): ActivityOptions {
  return {
    // The whole observation window of one attempt; sized by the spec (training.maxMinutesPerCandidate).
    startToCloseTimeout: `${spec.training.maxMinutesPerCandidate} minutes`,
    // The activity heartbeats every few seconds while training and every 10 s otherwise (loading, store
    // calls waiting out an outage); a killed worker is noticed within this time and the retry resumes
    // from the last epoch's checkpoint.
    heartbeatTimeout: `${spec.training.heartbeatTimeoutSeconds} seconds`,
    // A queued candidate may wait for a free GPU for as long as the sweep runs: no schedule-to-start limit.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: {
      initialInterval: '5 seconds',
      backoffCoefficient: 2,
      maximumInterval: '2 minutes',
      maximumAttempts: spec.training.maxAttempts,
    },
  };
}
