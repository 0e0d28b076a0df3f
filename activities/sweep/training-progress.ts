/**
 * What a training activity does with its training's progress: heartbeats (with the last checkpoint, for
 * a retry to log) at most every `heartbeatIntervalMs`, and progress reports to the sweep workflow at most
 * every `progressIntervalMs`, with an ETA from this attempt's step rate. Epoch ends always do both.
 */
import type { Context } from '@temporalio/activity';
import { tensorLayout } from '../training/model-inspection.js';
import type { TrainingProgress } from '../training/types.js';
import type { CandidateProgressSignal, TrainCandidateInput, TrainHeartbeat } from './types.js';

export interface TrainingProgressOptions {
  /** The activity's context: heartbeats, attempt number and logger. */
  context: Pick<Context, 'heartbeat' | 'info' | 'log'>;
  input: TrainCandidateInput;
  /** The epochs this attempt trains to. */
  totalEpochs: number;
  /** The last heartbeat's details, shared with the activity's keepalive timer. */
  heartbeat: { last: TrainHeartbeat };
  /** Minimum milliseconds between two heartbeats. */
  heartbeatIntervalMs: number;
  /** Minimum milliseconds between two progress reports. */
  progressIntervalMs: number;
  /** The normalisation in force, as shown to a user (`normalisationText`); reports say what the model is fed with it. */
  normalisation?: string;
  /** Sends a progress report (best effort); none: progress only goes to heartbeats. */
  reportProgress?: (sweepWorkflowId: string, progress: CandidateProgressSignal) => Promise<void>;
}

/** The progress report of `p`, with an ETA when steps have been made at `rate` steps per second. */
function progressSignal(
  options: TrainingProgressOptions,
  p: TrainingProgress,
  rate: number,
): CandidateProgressSignal {
  return {
    candidateId: options.input.candidateId,
    epoch: p.epoch,
    totalEpochs: options.totalEpochs,
    step: p.step,
    totalSteps: p.totalSteps,
    attempt: options.context.info.attempt,
    ...(Number.isFinite(p.loss) ? { loss: p.loss } : {}),
    ...(p.betaEff !== undefined ? { betaEff: p.betaEff } : {}),
    ...(p.valAccuracy !== undefined ? { valAccuracy: p.valAccuracy } : {}),
    ...(rate > 0 ? { etaSeconds: (p.totalSteps - p.step) / rate } : {}),
    ...(p.inputShape && options.normalisation !== undefined
      ? {
          input: {
            layout: tensorLayout([null, ...p.inputShape]),
            shape: p.inputShape,
            normalisation: options.normalisation,
          },
        }
      : {}),
  };
}

/** The `onProgress` handler of one training attempt, started now. */
export function trainingProgressHandler(options: TrainingProgressOptions): (p: TrainingProgress) => void {
  const { context, input, heartbeat, reportProgress } = options;
  const started = Date.now();
  let lastHeartbeat = 0;
  let lastReport = 0;
  let firstStep: number | undefined;
  return (p) => {
    const now = Date.now();
    const epochEnd = p.checkpointKey !== undefined;
    const checkpointKey = p.checkpointKey || heartbeat.last.checkpointKey;
    heartbeat.last = { epoch: p.epoch, step: p.step, ...(checkpointKey ? { checkpointKey } : {}) };
    if (epochEnd || now - lastHeartbeat >= options.heartbeatIntervalMs) {
      context.heartbeat(heartbeat.last);
      lastHeartbeat = now;
    }
    firstStep ??= p.step;
    if (!reportProgress || !input.progressWorkflowId) return;
    if (!epochEnd && now - lastReport < options.progressIntervalMs) return;
    lastReport = now;
    const stepsDone = p.step - firstStep;
    const rate = stepsDone > 0 ? stepsDone / ((now - started) / 1000) : 0;
    reportProgress(input.progressWorkflowId, progressSignal(options, p, rate)).catch((error: unknown) => {
      context.log.warn('progress report failed', { error: String(error) });
    });
  };
}
