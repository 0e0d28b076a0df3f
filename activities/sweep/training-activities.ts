/**
 * `trainCandidate`, the activity GPU workers run: one candidate's early training. Idempotent: a finished
 * candidate's `result.json` is returned as is; an unfinished one resumes from its last checkpoint (the
 * training library finds it in the store, and the heartbeat records it for operators).
 */
import { Context, CancelledFailure } from '@temporalio/activity';
import type { ArtifactStore } from '../store/artifact-store.js';
import { ArtifactNotFoundError } from '../store/errors.js';
import { sweepKeys } from '../store/keys.js';
import { normalisationText } from '../spec/normalisation.js';
import { toTrainingInput } from '../spec/training-input.js';
import { stepsForEpochs } from '../training/epoch-steps.js';
import { TrainingCancelledError } from '../training/errors.js';
import { readResultRecord } from '../training/result-record.js';
import type {
  CandidateResult,
  CandidateTrainingInput,
  CompleteTrainingInput,
  TrainingDeps,
} from '../training/types.js';
import type { Tf } from '../tf/tf-namespace.js';
import { toApplicationFailure } from './failures.js';
import { keepaliveIntervalMs } from './keepalive.js';
import { readStoredSpec } from './stored-spec.js';
import type { StoreProvider } from './store-cache.js';
import { trainingProgressHandler } from './training-progress.js';
import type {
  CandidateOutcome,
  CandidateProgressSignal,
  TrainCandidateInput,
  TrainHeartbeat,
} from './types.js';

/** Runs the training of one candidate; the real one is `runCandidateTraining`. */
export type RunTraining = (input: CandidateTrainingInput, deps: TrainingDeps) => Promise<CandidateResult>;

export interface TrainingActivityDeps {
  stores: StoreProvider;
  /** The TF.js runtime, initialised once per process. */
  tf: () => Promise<Tf>;
  runTraining: RunTraining;
  /**
   * Sends a progress report to the sweep workflow (a signal). Best effort: a failure is logged, never fatal.
   * @default none: progress only goes to heartbeats
   */
  reportProgress?: (sweepWorkflowId: string, progress: CandidateProgressSignal) => Promise<void>;
  /** Minimum milliseconds between two progress reports (epoch ends always report). @default 5000 */
  progressIntervalMs?: number;
  /** Minimum milliseconds between two heartbeats (epoch ends always heartbeat). @default 2000 */
  heartbeatIntervalMs?: number;
  /** Fires when the worker starts shutting down: trainings stop after their next checkpoint. @default never */
  drain?: AbortSignal;
}

/** Reads `result.json` when it exists. */
export async function readCandidateResult(
  store: ArtifactStore,
  sweepId: string,
  candidateId: string,
): Promise<CandidateResult | undefined> {
  try {
    return await readResultRecord(store, sweepKeys(sweepId).candidate(candidateId).result);
  } catch (error) {
    if (error instanceof ArtifactNotFoundError) return undefined;
    throw error;
  }
}

/** The small summary the workflow keeps of a finished candidate. */
export function outcomeFromResult(
  result: CandidateResult,
  resultKey: string,
  reused: boolean,
): CandidateOutcome {
  const lastEpoch = result.epochs.at(-1);
  const finalBetaEff = result.snapshots.betaEff.at(-1);
  return {
    candidateId: result.candidateId,
    status: 'succeeded',
    resultKey,
    ...(typeof finalBetaEff === 'number' ? { finalBetaEff } : {}),
    // The last evaluation: an epoch's end, or where a fractional window (a halving rung) ended.
    valAccuracy: result.evaluations?.at(-1)?.valAccuracy ?? lastEpoch?.valAccuracy ?? null,
    trainSeconds: result.timing.trainSeconds,
    reused,
    resumedFromEpoch: result.resumedFromEpoch,
    epochs: result.training.epochs,
    ...(result.compute ? { trainSamples: result.compute.trainSamples } : {}),
  };
}

/** Whether a stored result already covers `epochs` (in steps, the one rounding rule). */
export function resultReaches(result: CandidateResult, epochs: number): boolean {
  return result.training.totalSteps >= stepsForEpochs(epochs, result.training.stepsPerEpoch);
}

/** The candidate's training input, from the sweep's stored spec, trained to the rung's `epochs` if given. */
async function trainingInputOf(
  store: ArtifactStore,
  input: TrainCandidateInput,
): Promise<CompleteTrainingInput> {
  const { sweepId, candidateId, storeUri } = input;
  const stored = await readStoredSpec(store, sweepId);
  if (!stored)
    throw new ArtifactNotFoundError(
      `sweep ${sweepId} has no spec.json in ${storeUri}; start the sweep again`,
      {
        uri: storeUri,
      },
    );
  const specInput = toTrainingInput(stored.spec, sweepId, candidateId);
  return input.epochs === undefined
    ? specInput
    : { ...specInput, training: { ...specInput.training, epochs: input.epochs } };
}

/** A cancellation stays a cancellation; anything else becomes an ApplicationFailure naming `what`. */
function activityFailureOf(error: unknown, what: string): Error {
  if (error instanceof CancelledFailure) return error;
  if (error instanceof TrainingCancelledError)
    return new CancelledFailure(`${what} cancelled: ${error.message}`);
  return toApplicationFailure(error, what);
}

export function createTrainingActivities(deps: TrainingActivityDeps) {
  const progressIntervalMs = deps.progressIntervalMs ?? 5_000;
  const heartbeatIntervalMs = deps.heartbeatIntervalMs ?? 2_000;

  return {
    async trainCandidate(input: TrainCandidateInput): Promise<CandidateOutcome> {
      const context = Context.current();
      const { sweepId, candidateId, storeUri } = input;
      const what = `candidate ${candidateId} of sweep ${sweepId}`;
      const previous = context.info.heartbeatDetails as TrainHeartbeat | undefined;
      const keepaliveMs = keepaliveIntervalMs(context.info.heartbeatTimeoutMs, heartbeatIntervalMs);
      const heartbeat = { last: previous ?? { epoch: 0, step: 0 } };
      // Heartbeat from the first store read on: reading result.json and spec.json, loading a model and
      // computing frozen features report no steps, and the store waits out outages (minutes) inside
      // such calls. A dead worker still stops heartbeating, since the timer dies with it.
      context.heartbeat(heartbeat.last);
      const keepalive = setInterval(() => context.heartbeat(heartbeat.last), keepaliveMs);
      try {
        const store = deps.stores.get(storeUri);
        const resultKey = sweepKeys(sweepId).candidate(candidateId).result;
        const existing = await readCandidateResult(store, sweepId, candidateId);
        if (existing && (input.epochs === undefined || resultReaches(existing, input.epochs)))
          return outcomeFromResult(existing, resultKey, true);
        const trainingInput = await trainingInputOf(store, input);
        if (previous)
          context.log.info('retrying after a checkpoint', { ...previous, attempt: context.info.attempt });
        const onProgress = trainingProgressHandler({
          context,
          input,
          totalEpochs: trainingInput.training.epochs,
          normalisation: normalisationText(trainingInput.dataset.normalisation),
          heartbeat,
          heartbeatIntervalMs,
          progressIntervalMs,
          ...(deps.reportProgress ? { reportProgress: deps.reportProgress } : {}),
        });
        const result = await deps.runTraining(trainingInput, {
          tf: await deps.tf(),
          store,
          openStore: async (uri) => deps.stores.get(uri),
          onProgress,
          signal: context.cancellationSignal,
          ...(deps.drain ? { drain: deps.drain } : {}),
          log: context.log,
        });
        return outcomeFromResult(result, resultKey, false);
      } catch (error) {
        throw activityFailureOf(error, what);
      } finally {
        clearInterval(keepalive);
      }
    },
  };
}

export type TrainingActivities = ReturnType<typeof createTrainingActivities>;
