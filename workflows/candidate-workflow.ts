/**
 * One candidate in its own workflow, for large zoos: the sweep's history then holds three events per
 * candidate instead of its whole activity lifecycle, and each candidate's retries live in its own history.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { SweepSpec } from '../activities/spec/sweep-spec.js';
import type { TrainingActivities } from '../activities/sweep/training-activities.js';
import type { CandidateOutcome, TrainCandidateInput } from '../activities/sweep/types.js';
import { trainingProfile } from './activity-profiles.js';
import { trainAcrossHandovers } from './handover.js';
import { DEFAULT_TASK_QUEUES } from './sweep-api.js';

export interface CandidateWorkflowInput extends TrainCandidateInput {
  /** Only the training settings the activity options need. */
  training: Pick<SweepSpec['training'], 'maxMinutesPerCandidate' | 'heartbeatTimeoutSeconds' | 'maxAttempts'>;
  /** Queue of the training activity. @default DEFAULT_TASK_QUEUES.gpu */
  gpuTaskQueue?: string;
}

export async function candidateWorkflow(input: CandidateWorkflowInput): Promise<CandidateOutcome> {
  const { training, gpuTaskQueue, ...activityInput } = input;
  const { trainCandidate } = proxyActivities<TrainingActivities>({
    ...trainingProfile({ training } as SweepSpec),
    taskQueue: gpuTaskQueue ?? DEFAULT_TASK_QUEUES.gpu,
  });
  return trainAcrossHandovers(() => trainCandidate(activityInput));
}
