/**
 * A training activity's progress handling: heartbeats and progress reports throttled to their intervals,
 * epoch ends always sent, the last checkpoint carried in every heartbeat, and an ETA from this attempt's
 * step rate. Time is vitest's fake clock; the activity context records what it is given.
 */
import type { Context } from '@temporalio/activity';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { trainingProgressHandler } from '../../../activities/sweep/training-progress.js';
import type { CandidateProgressSignal, TrainHeartbeat } from '../../../activities/sweep/types.js';
import type { TrainingProgress } from '../../../activities/training/types.js';

function recordingContext(attempt = 2) {
  const heartbeats: TrainHeartbeat[] = [];
  const warnings: string[] = [];
  const context = {
    heartbeat: (details?: unknown) => void heartbeats.push(details as TrainHeartbeat),
    info: { attempt } as Context['info'],
    log: { warn: (message: string) => void warnings.push(message) } as unknown as Context['log'],
  };
  return { context, heartbeats, warnings };
}

const step = (s: number, extra: Partial<TrainingProgress> = {}): TrainingProgress => ({
  epoch: 1 + Math.floor((s - 1) / 10),
  step: s,
  totalSteps: 40,
  loss: 0.5,
  ...extra,
});

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(1_000_000);
});
afterEach(() => vi.useRealTimers());

describe('trainingProgressHandler', () => {
  it('heartbeats at most every heartbeatIntervalMs, at every epoch end, carrying the last checkpoint', () => {
    const { context, heartbeats } = recordingContext();
    const heartbeat = { last: { epoch: 0, step: 0 } as TrainHeartbeat };
    const onProgress = trainingProgressHandler({
      context,
      input: { sweepId: 's', candidateId: 'c', storeUri: 'file:///x' },
      totalEpochs: 4,
      heartbeat,
      heartbeatIntervalMs: 1_000,
      progressIntervalMs: 5_000,
    });
    onProgress(step(1)); // first call: due (nothing sent yet)
    vi.advanceTimersByTime(400);
    onProgress(step(2)); // 400 ms later: throttled
    onProgress(step(10, { checkpointKey: 'ck/1/' })); // epoch end: always
    vi.advanceTimersByTime(1_000);
    onProgress(step(11)); // 1 s after the last heartbeat: due, the checkpoint carried
    expect(heartbeats).toEqual([
      { epoch: 1, step: 1 },
      { epoch: 1, step: 10, checkpointKey: 'ck/1/' },
      { epoch: 2, step: 11, checkpointKey: 'ck/1/' },
    ]);
    // The keepalive timer reads the shared record: it holds the latest progress, sent or not.
    onProgress(step(12));
    expect(heartbeat.last).toEqual({ epoch: 2, step: 12, checkpointKey: 'ck/1/' });
  });

  it('reports progress at most every progressIntervalMs and at epoch ends, with an ETA from the step rate', async () => {
    const { context, warnings } = recordingContext(3);
    const reports: { workflowId: string; signal: CandidateProgressSignal }[] = [];
    const onProgress = trainingProgressHandler({
      context,
      input: { sweepId: 's', candidateId: 'c', storeUri: 'file:///x', progressWorkflowId: 'sweep-wf' },
      totalEpochs: 4,
      heartbeat: { last: { epoch: 0, step: 0 } },
      heartbeatIntervalMs: 1_000,
      progressIntervalMs: 5_000,
      reportProgress: (workflowId, signal) => {
        reports.push({ workflowId, signal });
        return signal.step === 10 ? Promise.reject(new Error('workflow gone')) : Promise.resolve();
      },
    });
    onProgress(step(4, { loss: Number.NaN })); // the attempt resumed at step 4: no steps made yet, no ETA
    vi.advanceTimersByTime(2_000);
    onProgress(step(6)); // throttled
    vi.advanceTimersByTime(2_000);
    onProgress(step(10, { checkpointKey: 'ck/1/', valAccuracy: 0.5, betaEff: 1.5 })); // epoch end
    vi.advanceTimersByTime(5_000);
    onProgress(step(12)); // due again: 8 steps in 9 s
    await vi.runAllTimersAsync();
    expect(reports.map((r) => r.workflowId)).toEqual(['sweep-wf', 'sweep-wf', 'sweep-wf']);
    expect(reports.map((r) => r.signal)).toEqual([
      { candidateId: 'c', epoch: 1, totalEpochs: 4, step: 4, totalSteps: 40, attempt: 3 },
      {
        candidateId: 'c',
        epoch: 1,
        totalEpochs: 4,
        step: 10,
        totalSteps: 40,
        attempt: 3,
        loss: 0.5,
        betaEff: 1.5,
        valAccuracy: 0.5,
        etaSeconds: (40 - 10) / (6 / 4),
      },
      {
        candidateId: 'c',
        epoch: 2,
        totalEpochs: 4,
        step: 12,
        totalSteps: 40,
        attempt: 3,
        loss: 0.5,
        etaSeconds: (40 - 12) / (8 / 9),
      },
    ]);
    // A failed report is logged, never thrown.
    expect(warnings).toEqual(['progress report failed']);
  });

  it('says what the model is fed (layout, size, normalisation) once training reports its input shape', async () => {
    const { context } = recordingContext();
    const reports: CandidateProgressSignal[] = [];
    const onProgress = trainingProgressHandler({
      context,
      input: { sweepId: 's', candidateId: 'c', storeUri: 'file:///x', progressWorkflowId: 'wf' },
      totalEpochs: 1,
      normalisation: 'imagenet',
      heartbeat: { last: { epoch: 0, step: 0 } },
      heartbeatIntervalMs: 1_000,
      progressIntervalMs: 5_000,
      reportProgress: (_id, signal) => {
        reports.push(signal);
        return Promise.resolve();
      },
    });
    onProgress(step(10, { checkpointKey: 'ck/1/', inputShape: [224, 224, 3] }));
    await vi.runAllTimersAsync();
    expect(reports[0]!.input).toEqual({ layout: 'NHWC', shape: [224, 224, 3], normalisation: 'imagenet' });
  });

  it('sends no progress reports without a progress workflow', () => {
    const { context } = recordingContext();
    const reportProgress = vi.fn(() => Promise.resolve());
    const onProgress = trainingProgressHandler({
      context,
      input: { sweepId: 's', candidateId: 'c', storeUri: 'file:///x' },
      totalEpochs: 1,
      heartbeat: { last: { epoch: 0, step: 0 } },
      heartbeatIntervalMs: 1_000,
      progressIntervalMs: 5_000,
      reportProgress,
    });
    onProgress(step(10, { checkpointKey: 'ck/1/' }));
    expect(reportProgress).not.toHaveBeenCalled();
  });
});
