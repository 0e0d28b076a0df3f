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
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { OrchestratorActivities } from '../activities/sweep/orchestrator-activities.js';
import type { TrainingActivities } from '../activities/sweep/training-activities.js';
import { upgradeRecordedSpec } from '../activities/spec/recorded-spec.js';
import type { SweepSpec } from '../activities/spec/sweep-spec.js';
import type {
  CandidateOutcome,
  ScoreRungOutput,
  ScoreSweepOutput,
  SweepBracket,
  TrainCandidateInput,
} from '../activities/sweep/types.js';
import { prepareProfile, scoreProfile, trainingProfile } from './activity-profiles.js';
import { candidateWorkflow } from './candidate-workflow.js';
import { trainAcrossHandovers } from './handover.js';
import {
  cancelCandidateSignal,
  cancelSweepSignal,
  candidateProgressSignal,
  candidateWorkflowId,
  DEFAULT_TASK_QUEUES,
  progressQuery,
  SEARCH_ATTRIBUTE_KEYS,
  sweepIdFromWorkflowId,
  type SweepResult,
  type SweepWorkflowInput,
} from './sweep-api.js';
import { SweepState } from './sweep-state.js';
import { SWEEP_MEMO_PATCH, type SweepMemo } from './sweep-memo.js';
import {
  bracketSummary,
  extendBracket,
  HalvingConfigError,
  halvingConfigOf,
  nextStep,
  recordFailure,
  recordScore,
  startHalving,
  type HalvingBudget,
  type HalvingConfig,
  type HalvingState,
  type HalvingStep,
} from './halving.js';

/** A rung to train, as the halving state machine names it. */
type TrainStep = Extract<HalvingStep, { kind: 'train' }>;

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

/** Task queues of one sweep's activities. */
type SweepQueues = NonNullable<SweepWorkflowInput['taskQueues']>;

/**
 * Shows the book in the Temporal UI and, when enabled, in the typed search attributes (the winner's
 * P(best) once the report states it: one upsert as before, so recorded histories replay).
 */
function publish(state: SweepState, searchAttributes: boolean | undefined, winnerProbability?: number): void {
  if (searchAttributes) {
    upsertSearchAttributes([
      { key: SEARCH_ATTRIBUTE_KEYS.status, value: state.status },
      ...(state.winner ? [{ key: SEARCH_ATTRIBUTE_KEYS.winner, value: state.winner }] : []),
      ...(winnerProbability === undefined
        ? []
        : [{ key: SEARCH_ATTRIBUTE_KEYS.winnerProbability, value: winnerProbability }]),
    ]);
  }
  setCurrentDetails(state.details());
}

/** The `progress` query, the trainings' progress signal and the operators' cancel signals. */
function registerHandlers(state: SweepState, startedAt: string, runs: number): void {
  setHandler(progressQuery, () => state.snapshot(startedAt, runs));
  setHandler(candidateProgressSignal, (update) => state.applyProgress(update));
  setHandler(cancelCandidateSignal, (candidateId) => {
    if (!state.cancelCandidate(candidateId))
      log.warn('cancelCandidate for an unknown candidate', { candidateId });
  });
  setHandler(cancelSweepSignal, () => state.cancelSweep());
}

interface CandidateRunner {
  /** Trains one candidate (activity, or child workflow for large zoos) and records its outcome. */
  run(candidateId: string): Promise<void>;
  /** Candidates started in this workflow run (bounds the history before continue-as-new). */
  readonly started: number;
}

function candidateRunner(
  state: SweepState,
  spec: SweepSpec,
  useChildWorkflows: boolean,
  queues: SweepQueues,
  activityInputOf: (candidateId: string) => TrainCandidateInput,
  childIdOf: (candidateId: string) => string = (id) => candidateWorkflowId(state.sweepId, id),
): CandidateRunner {
  const { trainCandidate } = proxyActivities<TrainingActivities>({
    ...trainingProfile(spec),
    taskQueue: queues.gpu,
  });
  const train = (candidateId: string): Promise<CandidateOutcome> => {
    const activityInput = activityInputOf(candidateId);
    return useChildWorkflows
      ? executeChild(candidateWorkflow, {
          workflowId: childIdOf(candidateId),
          taskQueue: queues.orchestrator,
          args: [{ ...activityInput, training: spec.training, gpuTaskQueue: queues.gpu }],
          // A terminated sweep must not leave trainings running on GPUs.
          parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
        })
      : trainAcrossHandovers(() => trainCandidate(activityInput));
  };
  const runner = {
    started: 0,
    async run(candidateId: string): Promise<void> {
      if (state.wasCancelledByOperator(candidateId)) {
        state.recordCancelled(candidateId, 'cancelled by an operator before it started');
        return;
      }
      runner.started += 1;
      const scope = new CancellationScope();
      state.start(candidateId, scope);
      setCurrentDetails(state.details());
      try {
        state.record(await scope.run(() => train(candidateId)));
      } catch (error) {
        if (!isCancellation(error)) {
          state.record({ candidateId, status: 'failed', failure: describeFailure(error) });
        } else if (state.wasCancelledByOperator(candidateId)) {
          state.recordCancelled(candidateId, 'cancelled by an operator');
        } else {
          state.cancelled = true;
          state.recordCancelled(candidateId, 'the sweep was cancelled');
        }
      } finally {
        state.stop(candidateId);
        setCurrentDetails(state.details());
      }
    },
  };
  return runner;
}

/**
 * The sliding window: `maxParallel` lanes, each taking the next queued candidate until none is left, the
 * sweep is cancelled, or `pause()` says this run should continue as new. A cancelled sweep (signal, or
 * Temporal's cancel of the workflow) cancels each candidate's scope, so running trainings stop at their
 * next batch and keep their checkpoint; the lanes then drain.
 */
async function runWindow(
  state: SweepState,
  queue: string[],
  maxParallel: number,
  runner: CandidateRunner,
  pause: () => boolean,
): Promise<void> {
  const lane = async (): Promise<void> => {
    while (!state.cancelled && !pause()) {
      const next = queue.shift();
      if (next === undefined) return;
      await runner.run(next);
    }
  };
  try {
    await Promise.all(Array.from({ length: maxParallel }, lane));
  } catch (error) {
    if (!isCancellation(error)) throw error;
    state.cancelled = true;
  }
}

function sweepResult(
  state: SweepState,
  ordered: readonly CandidateOutcome[],
  scored: Pick<
    ScoreSweepOutput,
    'ranking' | 'reportKey' | 'reportHtmlKey' | 'unscorable' | 'confidence' | 'warnings'
  >,
  bracket?: SweepBracket,
): SweepResult {
  return {
    ...(bracket ? { bracket } : {}),
    sweepId: state.sweepId,
    status: state.cancelled ? 'cancelled' : 'completed',
    winner: state.winner,
    ranking: scored.ranking,
    failed: ordered
      .filter((o): o is CandidateOutcome & { status: 'failed' | 'cancelled' } => o.status !== 'succeeded')
      .map((o) => ({
        candidateId: o.candidateId,
        status: o.status,
        failure: o.failure ?? { type: 'UnknownError', message: '' },
      }))
      .concat((scored.unscorable ?? []).map((u) => ({ ...u, status: 'failed' as const }))),
    reused: ordered.filter((o) => o.reused).map((o) => o.candidateId),
    reportKey: scored.reportKey,
    reportHtmlKey: scored.reportHtmlKey,
    ...(scored.confidence ? { confidence: scored.confidence } : {}),
    ...(scored.warnings?.length ? { warnings: scored.warnings } : {}),
  };
}

/** The winner's stated P(best) at the deciding rung (`pBest`: on a fresh validation set), when the report states it. */
function winnerProbabilityOf(scored: Pick<ScoreSweepOutput, 'winner' | 'confidence'>): number | undefined {
  return scored.confidence?.candidates.find(
    (c) => c.candidateId === scored.winner && c.status === 'contender',
  )?.pBest;
}

function halvingProgress(halving: HalvingState, rule: string): SweepState['halving'] {
  const latest = new Map(halving.scores.map((s) => [s.candidateId, s]));
  return {
    rung: halving.decision?.rung ?? halving.rung,
    rungs: [...halving.config.rungs],
    contenders: [...halving.contenders],
    decision: halving.decision?.message ?? null,
    exits: halving.exits.map((e) => ({
      candidateId: e.candidateId,
      rung: e.rung,
      reason: e.reason,
      score: e.score,
    })),
    rule,
    scores: [...latest.values()].map((s) => ({ ...s, epochs: halving.config.rungs[s.rung]! })),
  };
}

/** One workflow run of a sweep: its current-shape spec, and where this run stands across continue-as-new. */
interface SweepRun {
  /** The input with its sweep id filled in: what continue-as-new carries on. */
  input: SweepWorkflowInput & { sweepId: string };
  spec: SweepSpec;
  sweepId: string;
  workflowId: string;
  startedAt: string;
  /** This run's number across continue-as-new, 1 for the first. */
  runs: number;
  queues: SweepQueues;
}

/** This run's context, from its input and the workflow's info. */
function sweepRunOf(input: SweepWorkflowInput): SweepRun {
  const { carried } = input;
  // Inputs read back from history may hold a spec of an older shape: from here on, only the current one.
  const spec = upgradeRecordedSpec(input.spec);
  const info = workflowInfo();
  const sweepId = input.sweepId ?? sweepIdFromWorkflowId(info.workflowId);
  return {
    input: { ...input, sweepId },
    spec,
    sweepId,
    workflowId: info.workflowId,
    startedAt: carried?.startedAt ?? new Date().toISOString(),
    runs: (carried?.runs ?? 0) + 1,
    queues: input.taskQueues ?? DEFAULT_TASK_QUEUES,
  };
}

/** The sweep's book, with its handlers registered and shown (the dataset's search attribute on the first run only). */
function openSweepState(run: SweepRun): SweepState {
  const { input, spec } = run;
  const state = new SweepState(
    run.sweepId,
    spec.candidates.map((c) => c.id),
    // The spec schema holds a halving sweep's window to its last rung.
    spec.training.epochs,
    input.carried,
  );
  registerHandlers(state, run.startedAt, run.runs);
  if (input.searchAttributes && run.runs === 1) {
    upsertSearchAttributes([
      { key: SEARCH_ATTRIBUTE_KEYS.dataset, value: spec.dataset.name ?? spec.dataset.uri },
    ]);
  }
  publish(state, input.searchAttributes);
  return state;
}

/** What a fixed sweep and a halving bracket both train with. */
interface TrainingPlan {
  run: SweepRun;
  state: SweepState;
  /** The candidates prepareSweep returned, in the spec's order. */
  candidateIds: string[];
  useChildWorkflows: boolean;
  activityInputOf: (candidateId: string) => TrainCandidateInput;
}

/** Whether this run should start no more candidates and continue as new: only child-workflow sweeps, once full. */
function continueAsNewDue(
  runner: CandidateRunner,
  spec: SweepSpec,
  useChildWorkflows: boolean,
): () => boolean {
  return () =>
    useChildWorkflows &&
    (runner.started >= spec.concurrency.candidatesPerRun || workflowInfo().continueAsNewSuggested);
}

/** Why a candidate the cancelled sweep never started is recorded as cancelled. */
const NOT_STARTED = 'the sweep was cancelled before it started';

/** A fixed sweep: every candidate not yet settled through one window; continues as new while some are left. */
async function trainFixedSweep(plan: TrainingPlan): Promise<void> {
  const { run, state, useChildWorkflows } = plan;
  const { spec } = run;
  const runner = candidateRunner(state, spec, useChildWorkflows, run.queues, plan.activityInputOf);
  const queue = plan.candidateIds.filter((id) => !state.isSettled(id));
  const pause = continueAsNewDue(runner, spec, useChildWorkflows);
  await runWindow(state, queue, spec.concurrency.maxParallel, runner, pause);

  if (state.cancelled) {
    for (const id of queue.splice(0)) state.recordCancelled(id, NOT_STARTED);
  } else if (queue.length > 0) {
    await continueAsNew<typeof sweepWorkflow>({
      ...run.input,
      carried: state.carry(run.startedAt, run.runs),
    });
  }
}

/** Trains the candidates prepareSweep left, as a fixed sweep or a halving bracket; the bracket's summary if any. */
async function trainCandidates(
  run: SweepRun,
  state: SweepState,
  candidateIds: string[],
): Promise<SweepBracket | undefined> {
  const { spec } = run;
  const plan: TrainingPlan = {
    run,
    state,
    candidateIds,
    useChildWorkflows: candidateIds.length > spec.concurrency.childWorkflowThreshold,
    activityInputOf: (candidateId) => ({
      sweepId: run.sweepId,
      storeUri: run.input.storeUri,
      candidateId,
      progressWorkflowId: run.workflowId,
    }),
  };
  const { budget } = spec;
  if (budget.strategy === 'halving') return bracketSummary(await runBracket(plan, budget));
  await trainFixedSweep(plan);
  return undefined;
}

/** Scores what finished and publishes the outcome: status, winner and, where the payloads allow, the memo. */
async function scoreAndDecide(options: {
  run: SweepRun;
  state: SweepState;
  scoreSweep: OrchestratorActivities['scoreSweep'];
  candidateIds: string[];
  bracket: SweepBracket | undefined;
}): Promise<SweepResult> {
  const { run, state, bracket } = options;
  const { input } = run;
  state.status = 'scoring';
  publish(state, input.searchAttributes);
  const ordered = state.outcomesOf(options.candidateIds);
  const scored = await CancellationScope.nonCancellable(() =>
    options.scoreSweep({
      sweepId: run.sweepId,
      storeUri: input.storeUri,
      outcomes: ordered,
      ...(bracket ? { bracket } : {}),
    }),
  );
  state.winner = scored.winner;
  state.status = state.cancelled ? 'cancelled' : 'completed';
  publish(state, input.searchAttributes, winnerProbabilityOf(scored));
  // Clients list and describe sweeps from the memo; histories recorded before it replay without it.
  // Under payload encryption the outcome stays out of it (see SweepWorkflowInput.encryptedPayloads).
  if (!input.encryptedPayloads && patched(SWEEP_MEMO_PATCH)) {
    const decided: Pick<SweepMemo, 'outcome' | 'winner'> = { outcome: state.status, winner: state.winner };
    upsertMemo(decided);
  }
  return sweepResult(state, ordered, scored, bracket);
}

export async function sweepWorkflow(input: SweepWorkflowInput): Promise<SweepResult> {
  const run = sweepRunOf(input);
  const { spec, queues } = run;
  const { prepareSweep } = proxyActivities<OrchestratorActivities>({
    ...prepareProfile(spec),
    taskQueue: queues.orchestrator,
  });
  const { scoreSweep } = proxyActivities<OrchestratorActivities>({
    ...scoreProfile(spec),
    taskQueue: queues.orchestrator,
  });
  const state = openSweepState(run);

  // 1. Prepare: validate, record spec.json, and find the candidates earlier runs finished.
  const prepared = await prepareSweep({ sweepId: run.sweepId, storeUri: input.storeUri, spec });
  state.recordFinished(prepared.finished);

  // 2. Train the rest in the window; large zoos use child workflows and continue-as-new.
  const bracket = await trainCandidates(run, state, prepared.candidateIds);

  // 3. Score what finished, even after a cancellation: the report records who was cancelled and why.
  return await scoreAndDecide({ run, state, scoreSweep, candidateIds: prepared.candidateIds, bracket });
}

/** The bracket an extension reopens; a bad extension fails the sweep (not the workflow task, which would retry). */
function extendedBracket(
  config: HalvingConfig,
  extend: NonNullable<SweepWorkflowInput['extend']>,
): HalvingState {
  try {
    return extendBracket(config, extend.bracket, extend);
  } catch (error) {
    if (!(error instanceof HalvingConfigError)) throw error;
    throw ApplicationFailure.nonRetryable(`extend: ${error.message}`, 'InvalidExtension');
  }
}

/** The bracket this run works on: carried from the previous run, reopened by an extension, or a new one. */
function openingBracket(
  input: SweepWorkflowInput,
  config: HalvingConfig,
  candidateIds: string[],
): HalvingState {
  return (
    input.carried?.halving ??
    (input.extend ? extendedBracket(config, input.extend) : startHalving(config, candidateIds))
  );
}

/** The runner of one rung: notes each candidate it saw through (not cancelled) as done, for continue-as-new. */
function rungRunner(runner: CandidateRunner, state: SweepState, rungDone: Set<string>): CandidateRunner {
  return {
    get started() {
      return runner.started;
    },
    async run(candidateId) {
      await runner.run(candidateId);
      if (!state.cancelled) rungDone.add(candidateId);
    },
  };
}

/** The bracket after the rung's failed trainings exit it. */
function recordTrainingFailures(
  halving: HalvingState,
  outcomes: readonly CandidateOutcome[],
  succeeded: readonly CandidateOutcome[],
  rung: number,
): HalvingState {
  let next = halving;
  for (const o of outcomes)
    if (!succeeded.includes(o))
      next = recordFailure(next, {
        candidateId: o.candidateId,
        rung,
        message: `${o.failure?.type ?? 'failed'}: ${o.failure?.message ?? ''}`,
      });
  return next;
}

/** The bracket after the rung's scores: a score where the rule gave one, else an exit that says why not. */
function recordRungScores(
  halving: HalvingState,
  succeeded: readonly CandidateOutcome[],
  scored: ScoreRungOutput,
  step: TrainStep,
): HalvingState {
  const { rung, epochs } = step;
  const unscorable = new Map(scored.unscorable.map((u) => [u.candidateId, u.failure]));
  const scoreOf = new Map(scored.scores.map((x) => [x.candidateId, x]));
  let next = halving;
  for (const o of succeeded) {
    const x = scoreOf.get(o.candidateId);
    const failure = unscorable.get(o.candidateId);
    if (x && x.score !== null) {
      next = recordScore(next, {
        candidateId: o.candidateId,
        rung,
        score: x.score,
        uncertainty: x.uncertainty,
      });
    } else {
      next = recordFailure(next, {
        candidateId: o.candidateId,
        rung,
        message: failure
          ? `${failure.type}: ${failure.message}`
          : `rule ${scored.appliedRule} cannot score it at ${epochs} epochs`,
      });
    }
  }
  return next;
}

/** Scores a trained rung with one `scoreRung` activity over its successful trainings; the bracket after it. */
async function scoreTrainedRung(options: {
  halving: HalvingState;
  state: SweepState;
  step: TrainStep;
  storeUri: string;
  scoreRung: OrchestratorActivities['scoreRung'];
}): Promise<HalvingState> {
  const { state, step } = options;
  const outcomes = state.outcomesOf(step.candidateIds);
  const succeeded = outcomes.filter((o) => o.status === 'succeeded' && o.resultKey);
  const halving = recordTrainingFailures(options.halving, outcomes, succeeded, step.rung);
  const scored = await options.scoreRung({
    sweepId: state.sweepId,
    storeUri: options.storeUri,
    epochs: step.epochs,
    contenders: succeeded.map((o) => ({ candidateId: o.candidateId, resultKey: o.resultKey! })),
  });
  return recordRungScores(halving, succeeded, scored, step);
}

/**
 * A halving bracket: each rung is a fan-out of the contenders through the same window and runner as a
 * fixed sweep (each training continues from the candidate's last checkpoint to the rung's epochs; one that
 * already reached them is reused), then one `scoreRung` activity, whose scores the state machine turns
 * into the next rung's contenders or the decision. Continue-as-new carries the bracket and who finished
 * the current rung. A cancelled sweep stops with the bracket undecided.
 */
async function runBracket(plan: TrainingPlan, budget: HalvingBudget): Promise<HalvingState> {
  const { run, state, useChildWorkflows, activityInputOf } = plan;
  const { input, spec, queues } = run;
  const { scoreRung } = proxyActivities<OrchestratorActivities>({
    ...scoreProfile(spec),
    taskQueue: queues.orchestrator,
  });
  let halving = openingBracket(input, halvingConfigOf(budget), plan.candidateIds);
  const rungDone = new Set(input.carried?.rungDone ?? []);
  let rung = halving.rung;
  let epochs = halving.config.rungs[rung]!;
  const runner = candidateRunner(
    state,
    spec,
    useChildWorkflows,
    queues,
    (candidateId) => ({ ...activityInputOf(candidateId), epochs }),
    (candidateId) => candidateWorkflowId(state.sweepId, candidateId, rung),
  );
  const show = (): void => {
    state.halving = halvingProgress(halving, spec.selection.rule);
    setCurrentDetails(state.details());
  };
  show();
  for (let step = nextStep(halving); step.kind === 'train' && !state.cancelled; step = nextStep(halving)) {
    if (step.rung !== rung) rungDone.clear();
    ({ rung, epochs } = step);
    const queue = step.candidateIds.filter((id) => !rungDone.has(id));
    const pause = continueAsNewDue(runner, spec, useChildWorkflows);
    await runWindow(state, queue, spec.concurrency.maxParallel, rungRunner(runner, state, rungDone), pause);
    if (state.cancelled) break;
    if (queue.length > 0)
      await continueAsNew<typeof sweepWorkflow>({
        ...input,
        carried: { ...state.carry(run.startedAt, run.runs), halving, rungDone: [...rungDone] },
      });
    halving = await scoreTrainedRung({ halving, state, step, storeUri: input.storeUri, scoreRung });
    show();
  }
  if (state.cancelled)
    for (const id of plan.candidateIds) if (!state.isSettled(id)) state.recordCancelled(id, NOT_STARTED);
  return halving;
}
