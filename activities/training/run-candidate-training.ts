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
import { candidateRunOf, releaseCandidateRun } from './candidate-run.js';
import { cutFeatures, loadBackbone } from './prepare-backbone.js';
import { writeResult } from './result.js';
import { resolveResumePoint } from './resume-point.js';
import { openTrainingData } from './training-data.js';
import { prepareFeeds } from './training-feeds.js';
import { trainingFingerprint } from './training-fingerprint.js';
import { runTrainingLoop } from './train-loop.js';
import type { CandidateResult, CandidateTrainingInput, TrainingDeps, TrainingProgress } from './types.js';

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
    // The pooling applied ('auto' resolved) is what identifies the checkpoint.
    const fingerprint = trainingFingerprint(
      { ...resolved, model: { ...resolved.model, featurePooling: features.featurePooling } },
      backbone.zoo.weightsHash,
      features.featureLayer,
    );
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
    // A zero-training baseline the selection benchmark compares against (frozen features only), computed
    // in a worker thread so the heartbeat keeps beating.
    const logme = feeds.frozen
      ? await frozenLogme(feeds.frozen, data.split.train, data.source.labels, deps.signal)
      : null;
    const result = buildCandidateResult({ run, backbone, data, features, feeds, net, outcome, logme });
    return await writeResult(store, keys.result, result);
  } finally {
    await releaseCandidateRun(run);
  }
}

/** Progress reports that also say what the model is fed (for progress lines). */
const withInputShape =
  (onProgress: (p: TrainingProgress) => void, inputShape: number[]) =>
  (p: TrainingProgress): void =>
    onProgress({ ...p, inputShape });
