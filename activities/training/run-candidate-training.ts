/**
 * Training of one candidate (docs/design.md §1, §5): load the model and the dataset, insert the NCP
 * probe, train for the observation window (or, with `training.stopping`, to a validation plateau) writing
 * probe snapshots and per-epoch checkpoints to the store, score the test set if there is one, and write
 * `result.json`. Resumes automatically from the latest complete checkpoint of the candidate.
 *
 * The units: candidate-run.ts (what the run holds), prepare-backbone.ts, training-data.ts,
 * training-feeds.ts, candidate-network.ts, resume-point.ts, train-loop.ts and candidate-result.ts.
 */
import { buildCandidateNetwork } from './candidate-network.js';
import { buildCandidateResult } from './candidate-result.js';
import { frozenLogme } from './frozen-logme.js';
import { candidateRunOf, releaseCandidateRun, type CandidateRun } from './candidate-run.js';
import { cutFeatures, loadBackbone } from './prepare-backbone.js';
import { writeResult } from './result.js';
import { resolveResumePoint } from './resume-point.js';
import { openTrainingData } from './training-data.js';
import { prepareFeeds } from './training-feeds.js';
import { trainingFingerprint } from './training-fingerprint.js';
import { runTrainingLoop } from './train-loop.js';
import type {
  CandidateResult,
  CandidateTrainingInput,
  FeaturePooling,
  TrainingDeps,
  TrainingProgress,
} from './types.js';

export { trainingFingerprint } from './training-fingerprint.js';

/**
 * Trains one candidate and returns its result summary (also written to `result.json`).
 * @throws InvalidTrainingInputError, IncompatibleModelError, DatasetError, NonFiniteLossError,
 *   CheckpointMismatchError (non-retryable); TrainingCancelledError when `deps.signal` fires; store errors.
 */
export async function runCandidateTraining(
  input: CandidateTrainingInput,
  deps: TrainingDeps,
): Promise<CandidateResult> {
  const run = candidateRunOf(input, deps);
  const { tf, store, keys, resolved, clock, log } = run;
  try {
    const backbone = await loadBackbone(run);
    const data = await openTrainingData(run, backbone);
    const features = cutFeatures(run, backbone.zoo);
    const feeds = await prepareFeeds({ run, backbone, data, features });
    const net = buildCandidateNetwork(
      run,
      feeds.featureShape,
      data.source.numClasses,
      features.backboneModel,
    );
    const fingerprint = fingerprintOf(run, backbone.zoo.weightsHash, features);
    const checkpoint = await resolveResumePoint(run, fingerprint);
    const outcome = await runTrainingLoop({
      tf,
      store,
      network: net.network,
      optimizer: net.optimizer,
      feed: feeds.feed,
      split: data.split,
      validation: feeds.validation,
      ...(feeds.test ? { test: feeds.test } : {}),
      numClasses: data.source.numClasses,
      input: resolved,
      keys,
      fingerprint,
      ...(checkpoint ? { resume: checkpoint } : {}),
      ...(deps.onProgress ? { onProgress: withInputShape(deps.onProgress, data.inputShape) } : {}),
      ...(deps.signal ? { signal: deps.signal } : {}),
      ...(deps.drain ? { drain: deps.drain } : {}),
      clock,
      ...(log ? { log } : {}),
    });
    const { logme, logmeNote, scoringSeconds } = await scoreFrozenFeatures(run, feeds, data, deps.signal);
    if (logmeNote) log?.warn(logmeNote, { candidateId: resolved.candidateId });
    const result = buildCandidateResult({
      run,
      backbone,
      data,
      features,
      feeds,
      net,
      outcome,
      logme,
      ...(logmeNote ? { logmeNote } : {}),
      scoringSeconds,
    });
    return await writeResult(store, keys.result, result);
  } finally {
    await releaseCandidateRun(run);
  }
}

/** The run's fingerprint: the pooling applied (`'auto'` resolved) is what identifies the checkpoint. */
function fingerprintOf(
  run: CandidateRun,
  weightsHash: string,
  features: { featurePooling: FeaturePooling; featureLayer: string },
): ReturnType<typeof trainingFingerprint> {
  const { resolved } = run;
  return trainingFingerprint(
    { ...resolved, model: { ...resolved.model, featurePooling: features.featurePooling } },
    weightsHash,
    features.featureLayer,
  );
}

/**
 * LogME of the frozen features, a zero-training baseline the selection benchmark compares against
 * (frozen mode only), computed in a worker thread so the heartbeat keeps beating; and how long it took.
 */
async function scoreFrozenFeatures(
  run: CandidateRun,
  feeds: Awaited<ReturnType<typeof prepareFeeds>>,
  data: Awaited<ReturnType<typeof openTrainingData>>,
  signal: AbortSignal | undefined,
): Promise<{ logme: number | null; logmeNote?: string; scoringSeconds: number }> {
  if (!feeds.frozen) return { logme: null, scoringSeconds: 0 };
  const started = run.clock.now();
  const { logme, note } = await frozenLogme(feeds.frozen, data.split.train, data.source.labels, signal);
  return { logme, ...(note ? { logmeNote: note } : {}), scoringSeconds: (run.clock.now() - started) / 1000 };
}

/** Progress reports that also say what the model is fed (for progress lines). */
const withInputShape =
  (onProgress: (p: TrainingProgress) => void, inputShape: number[]) =>
  (p: TrainingProgress): void =>
    onProgress({ ...p, inputShape });
