/**
 * The sweep: prepare → train every candidate in a bounded window (activities, or one child workflow per
 * candidate for large zoos) → score. Failed candidates are recorded with their reason and never sink the
 * sweep. Large zoos continue-as-new, carrying only one short outcome per finished candidate.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowFailure,
  ParentClosePolicy,
  TimeoutFailure,
  continueAsNew,
  executeChild,
  isCancellation,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { defineSearchAttributeKey } from '@temporalio/common';
import type { OrchestratorActivities } from '../activities/sweep/orchestrator-activities.js';
import type { TrainingActivities } from '../activities/sweep/training-activities.js';
import type { CandidateOutcome } from '../activities/sweep/types.js';
import { PREPARE_PROFILE, SCORE_PROFILE, trainingProfile } from './activity-profiles.js';
import { candidateWorkflow } from './candidate-workflow.js';
import {
  cancelCandidateSignal,
  cancelSweepSignal,
  candidateProgressSignal,
  candidateWorkflowId,
  DEFAULT_TASK_QUEUES,
  progressQuery,
  sweepIdFromWorkflowId,
  type CandidateProgress,
  type CandidateState,
  type SweepProgress,
  type SweepResult,
  type SweepStatus,
  type SweepWorkflowInput,
} from './sweep-api.js';

export const SEARCH_ATTRIBUTE_KEYS = {
  dataset: defineSearchAttributeKey('NcapDataset', 'KEYWORD'),
  status: defineSearchAttributeKey('NcapStatus', 'KEYWORD'),
  winner: defineSearchAttributeKey('NcapWinner', 'KEYWORD'),
} as const;

/** The innermost failure: an ApplicationFailure's type and message, or the timeout that ended it. */
export function describeFailure(error: unknown): { type: string; message: string } {
  let cause: unknown = error;
  while ((cause instanceof ActivityFailure || cause instanceof ChildWorkflowFailure) && cause.cause)
    cause = cause.cause;
  if (cause instanceof ApplicationFailure)
    return { type: cause.type ?? 'ApplicationFailure', message: cause.message };
  if (cause instanceof TimeoutFailure)
    return {
      type: 'TimeoutFailure',
      message: `${cause.message || 'timed out'} (${cause.timeoutType ?? 'unknown'} timeout)`,
    };
  if (cause instanceof Error) return { type: cause.name, message: cause.message };
  return { type: 'UnknownError', message: String(cause) };
}

export async function sweepWorkflow(input: SweepWorkflowInput): Promise<SweepResult> {
  const { spec, storeUri } = input;
  const info = workflowInfo();
  const sweepId = input.sweepId ?? sweepIdFromWorkflowId(info.workflowId);
  const carried = input.carried;
  const startedAt = carried?.startedAt ?? new Date().toISOString();
  const runs = (carried?.runs ?? 0) + 1;
  const totalEpochs = spec.training.epochs;
  const queues = input.taskQueues ?? DEFAULT_TASK_QUEUES;
  const { prepareSweep } = proxyActivities<OrchestratorActivities>({
    ...PREPARE_PROFILE,
    taskQueue: queues.orchestrator,
  });
  const { scoreSweep } = proxyActivities<OrchestratorActivities>({
    ...SCORE_PROFILE,
    taskQueue: queues.orchestrator,
  });

  let status: SweepStatus = 'running';
  let sweepCancelled = carried?.sweepCancelled ?? false;
  let winner: string | null = null;
  const operatorCancelled = new Set<string>(carried?.cancelledIds ?? []);
  const scopes = new Map<string, CancellationScope>();
  const outcomes = new Map<string, CandidateOutcome>(
    (carried?.outcomes ?? []).map((o) => [o.candidateId, o]),
  );
  const progress = new Map<string, CandidateProgress>(
    spec.candidates.map((c) => [
      c.id,
      {
        candidateId: c.id,
        state: 'pending',
        epoch: 0,
        totalEpochs,
        step: 0,
        totalSteps: 0,
        loss: null,
        betaEff: null,
        valAccuracy: null,
        etaSeconds: null,
        attempt: 0,
        reused: false,
        failure: null,
      },
    ]),
  );

  const record = (outcome: CandidateOutcome): void => {
    outcomes.set(outcome.candidateId, outcome);
    const p = progress.get(outcome.candidateId);
    if (!p) return;
    p.state = outcome.status;
    p.etaSeconds = null;
    p.reused = outcome.reused ?? false;
    p.failure = outcome.failure ?? null;
    if (outcome.status === 'succeeded') {
      p.epoch = totalEpochs;
      p.betaEff = outcome.finalBetaEff ?? p.betaEff;
      p.valAccuracy = outcome.valAccuracy ?? p.valAccuracy;
    }
  };
  for (const outcome of outcomes.values()) record(outcome);

  const counts = (): Record<CandidateState, number> => {
    const c: Record<CandidateState, number> = {
      pending: 0,
      running: 0,
      succeeded: 0,
      failed: 0,
      cancelled: 0,
    };
    for (const p of progress.values()) c[p.state] += 1;
    return c;
  };
  const updateDetails = (): void => {
    const c = counts();
    setCurrentDetails(
      `sweep ${sweepId}: ${status}; ${c.succeeded} succeeded, ${c.failed} failed, ${c.cancelled} cancelled, ${c.running} running, ${c.pending} pending of ${spec.candidates.length}` +
        (winner ? `; winner ${winner}` : ''),
    );
  };
  const upsertStatus = (): void => {
    if (!input.searchAttributes) return;
    upsertSearchAttributes([
      { key: SEARCH_ATTRIBUTE_KEYS.status, value: status },
      ...(winner ? [{ key: SEARCH_ATTRIBUTE_KEYS.winner, value: winner }] : []),
    ]);
  };

  setHandler(progressQuery, (): SweepProgress => ({
    sweepId,
    status,
    startedAt,
    runs,
    counts: counts(),
    candidates: [...progress.values()],
    winner,
  }));
  setHandler(candidateProgressSignal, (update) => {
    const p = progress.get(update.candidateId);
    if (!p || p.state !== 'running') return;
    p.epoch = update.epoch;
    p.totalEpochs = update.totalEpochs;
    p.step = update.step;
    p.totalSteps = update.totalSteps;
    p.loss = update.loss ?? p.loss;
    p.betaEff = update.betaEff ?? p.betaEff;
    p.valAccuracy = update.valAccuracy ?? p.valAccuracy;
    p.etaSeconds = update.etaSeconds ?? null;
    p.attempt = update.attempt;
  });
  setHandler(cancelCandidateSignal, (candidateId) => {
    if (!progress.has(candidateId)) {
      log.warn('cancelCandidate for an unknown candidate', { candidateId });
      return;
    }
    operatorCancelled.add(candidateId);
    scopes.get(candidateId)?.cancel();
  });
  setHandler(cancelSweepSignal, () => {
    sweepCancelled = true;
    for (const scope of scopes.values()) scope.cancel();
  });

  if (input.searchAttributes && runs === 1) {
    upsertSearchAttributes([
      { key: SEARCH_ATTRIBUTE_KEYS.dataset, value: spec.dataset.name ?? spec.dataset.uri },
    ]);
  }
  upsertStatus();
  updateDetails();

  const prepared = await prepareSweep({ sweepId, storeUri, spec });
  for (const outcome of prepared.finished) if (!outcomes.has(outcome.candidateId)) record(outcome);

  const useChildWorkflows = prepared.candidateIds.length > spec.concurrency.childWorkflowThreshold;
  const { trainCandidate } = proxyActivities<TrainingActivities>({
    ...trainingProfile(spec),
    taskQueue: queues.gpu,
  });
  const queue = prepared.candidateIds.filter((id) => !outcomes.has(id));
  let startedThisRun = 0;
  const shouldContinueAsNew = (): boolean =>
    useChildWorkflows &&
    (startedThisRun >= spec.concurrency.candidatesPerRun || workflowInfo().continueAsNewSuggested);

  const runCandidate = async (candidateId: string): Promise<void> => {
    if (operatorCancelled.has(candidateId)) {
      record({
        candidateId,
        status: 'cancelled',
        failure: { type: 'CancelledFailure', message: 'cancelled by an operator before it started' },
      });
      return;
    }
    startedThisRun += 1;
    const p = progress.get(candidateId)!;
    p.state = 'running';
    p.attempt = Math.max(p.attempt, 1);
    updateDetails();
    const scope = new CancellationScope();
    scopes.set(candidateId, scope);
    const activityInput = { sweepId, storeUri, candidateId, progressWorkflowId: info.workflowId };
    try {
      const outcome = await scope.run(() =>
        useChildWorkflows
          ? executeChild(candidateWorkflow, {
              workflowId: candidateWorkflowId(sweepId, candidateId),
              taskQueue: queues.orchestrator,
              args: [{ ...activityInput, training: spec.training, gpuTaskQueue: queues.gpu }],
              // A terminated sweep must not leave trainings running on GPUs.
              parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
            })
          : trainCandidate(activityInput),
      );
      record(outcome);
    } catch (error) {
      if (isCancellation(error)) {
        const byOperator = operatorCancelled.has(candidateId);
        if (!byOperator) sweepCancelled = true;
        record({
          candidateId,
          status: 'cancelled',
          failure: {
            type: 'CancelledFailure',
            message: byOperator ? 'cancelled by an operator' : 'the sweep was cancelled',
          },
        });
      } else {
        record({ candidateId, status: 'failed', failure: describeFailure(error) });
      }
    } finally {
      scopes.delete(candidateId);
      updateDetails();
    }
  };

  // The sliding window: maxParallel lanes, each taking the next queued candidate until none is left.
  const lane = async (): Promise<void> => {
    while (!sweepCancelled && !shouldContinueAsNew()) {
      const next = queue.shift();
      if (next === undefined) return;
      await runCandidate(next);
    }
  };
  // A cancelled sweep (signal, or Temporal's cancel of the workflow) cancels each candidate's scope, so
  // running trainings stop at their next batch and keep their checkpoint; the lanes then drain.
  try {
    await Promise.all(Array.from({ length: spec.concurrency.maxParallel }, lane));
  } catch (error) {
    if (!isCancellation(error)) throw error;
    sweepCancelled = true;
  }

  if (sweepCancelled) {
    for (const id of queue.splice(0)) {
      record({
        candidateId: id,
        status: 'cancelled',
        failure: { type: 'CancelledFailure', message: 'the sweep was cancelled before it started' },
      });
    }
  } else if (queue.length > 0) {
    await continueAsNew<typeof sweepWorkflow>({
      ...input,
      sweepId,
      carried: {
        outcomes: [...outcomes.values()],
        cancelledIds: [...operatorCancelled],
        sweepCancelled,
        startedAt,
        runs,
      },
    });
  }

  // Score what finished, even after a cancellation: the report records who was cancelled and why.
  status = 'scoring';
  upsertStatus();
  updateDetails();
  const ordered = prepared.candidateIds.map((id) => outcomes.get(id)!).filter(Boolean);
  let reportKey: string | null = null;
  let reportHtmlKey: string | null = null;
  let ranking: SweepResult['ranking'] = [];
  {
    const scored = await CancellationScope.nonCancellable(() =>
      scoreSweep({ sweepId, storeUri, outcomes: ordered }),
    );
    winner = scored.winner;
    ranking = scored.ranking;
    reportKey = scored.reportKey;
    reportHtmlKey = scored.reportHtmlKey;
  }
  status = sweepCancelled ? 'cancelled' : 'completed';
  upsertStatus();
  updateDetails();
  return {
    sweepId,
    status: sweepCancelled ? 'cancelled' : 'completed',
    winner,
    ranking,
    failed: ordered
      .filter((o): o is CandidateOutcome & { status: 'failed' | 'cancelled' } => o.status !== 'succeeded')
      .map((o) => ({
        candidateId: o.candidateId,
        status: o.status,
        failure: o.failure ?? { type: 'UnknownError', message: '' },
      })),
    reused: ordered.filter((o) => o.reused).map((o) => o.candidateId),
    reportKey,
    reportHtmlKey,
  };
}
