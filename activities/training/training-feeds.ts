/**
 * What feeds the probe: raw samples through the backbone (`finetune`) or cached backbone features
 * (`frozen`), for the training split, the validation set and the test set, each a separate data set or
 * part of the training data.
 */
import type { CandidateRun } from './candidate-run.js';
import type { SampleSource } from './dataset-source.js';
import { openDataset } from './datasets.js';
import { DatasetError, InvalidTrainingInputError } from './errors.js';
import { loadOrComputeFeatures, type FrozenFeatures } from './feature-cache.js';
import {
  standardisedFeatures,
  trainingStatistics,
  type FeatureStatistics,
} from './feature-standardisation.js';
import { featureFeed, sampleFeed, type Feed } from './feed.js';
import { createInputAdapter, type InputAdapter } from './input-adapter.js';
import type { BackboneCut, LoadedBackbone } from './prepare-backbone.js';
import type { TrainingData } from './training-data.js';
import type { EvaluationSet } from './train-loop-types.js';

export interface TrainingFeeds {
  feed: Feed;
  /** The training data's cached features as extracted, not standardised (`frozen` mode; LogME reads them). */
  frozen?: FrozenFeatures;
  /** The feature shape entering the probe (known for a GraphModel once its features are computed). */
  featureShape: number[];
  validation: EvaluationSet;
  test?: EvaluationSet;
  /** Seconds spent computing or loading frozen features; 0 in `finetune` mode. */
  featureSeconds: number;
}

/** What the feeds are built from. */
export interface FeedSources {
  run: CandidateRun;
  backbone: LoadedBackbone;
  data: TrainingData;
  features: BackboneCut;
}

/** The frozen features of `indices` of `from`, from the store's cache or computed once and cached. */
function frozenFeatures(
  { run, backbone, data, features }: FeedSources,
  from: SampleSource,
  adapt: InputAdapter,
  indices: readonly number[],
): Promise<FrozenFeatures> {
  const { tf, store, resolved, deps, log } = run;
  const { featurePooling } = features;
  return loadOrComputeFeatures({
    tf,
    store,
    source: from,
    adapt,
    extract: features.extract,
    identity: {
      weightsHash: backbone.zoo.weightsHash,
      featureLayer: features.featureLayer,
      ...(featurePooling !== 'none' ? { featurePooling } : {}),
      normalisation: resolved.dataset.normalisation,
      inputShape: data.inputShape,
    },
    indices,
    batchSize: resolved.training.batchSize,
    candidateId: resolved.candidateId,
    ...(deps.signal ? { signal: deps.signal } : {}),
    ...(log ? { log } : {}),
  });
}

/** The feed of cached features, standardised with the training split's `stats` when given. */
function frozenFeed(
  tf: CandidateRun['tf'],
  cached: FrozenFeatures,
  labels: Int32Array,
  stats: FeatureStatistics | undefined,
): Feed {
  const fed = stats ? standardisedFeatures(cached, stats) : cached;
  return featureFeed(tf, fed.features, fed.featureDim, fed.rowOf, labels);
}

/**
 * A whole separate data set (validation or test), through the same input path as training's; in `frozen`
 * mode its features get the training split's `stats`.
 */
async function openEvaluationSet(
  sources: FeedSources,
  uri: string,
  field: 'dataset.validationUri' | 'dataset.testUri',
  stats: FeatureStatistics | undefined,
): Promise<EvaluationSet> {
  const { run, backbone, data } = sources;
  const { tf, resolved } = run;
  const { imageTarget, modelShape } = backbone;
  const extra = await openDataset(
    { uri, format: resolved.dataset.format, numClasses: data.source.numClasses, imageTarget },
    run.locationDeps,
  ).catch((error: unknown) => {
    throw error instanceof DatasetError
      ? new DatasetError(`${field}: ${error.message}`, field, { cause: error })
      : error;
  });
  run.held.extraSources.push(extra);
  const { normalisation } = resolved.dataset;
  const adapt = createInputAdapter(tf, extra.sampleShape, extra.dtype, modelShape, normalisation).adapt;
  const indices = Array.from({ length: extra.count }, (_, i) => i);
  if (resolved.mode !== 'frozen') return { feed: sampleFeed(extra, adapt), indices, labels: extra.labels };
  const cached = await frozenFeatures(sources, extra, adapt, indices);
  return { feed: frozenFeed(tf, cached, extra.labels, stats), indices, labels: extra.labels };
}

/**
 * The training feed and the validation and test sets.
 * @throws InvalidTrainingInputError when `training.stopping` has no validation samples to stop on.
 */
export async function prepareFeeds(sources: FeedSources): Promise<TrainingFeeds> {
  const { run, data, features } = sources;
  const { tf, resolved, clock } = run;
  const { source, adapt, selected, split } = data;
  const featuresStarted = clock.now();
  const frozen =
    resolved.mode === 'frozen' ? await frozenFeatures(sources, source, adapt, selected) : undefined;
  // Statistics of the training split only: validation and test rows are standardised with them.
  const stats = frozen && resolved.standardiseFeatures ? trainingStatistics(frozen, split.train) : undefined;
  const feed = frozen ? frozenFeed(tf, frozen, source.labels, stats) : sampleFeed(source, adapt);
  const { validationUri, testUri } = resolved.dataset;
  const validation = validationUri
    ? await openEvaluationSet(sources, validationUri, 'dataset.validationUri', stats)
    : { feed, indices: split.validation, labels: data.source.labels };
  const test = testUri ? await openEvaluationSet(sources, testUri, 'dataset.testUri', stats) : undefined;
  const featureSeconds = resolved.mode === 'frozen' ? (clock.now() - featuresStarted) / 1000 : 0;
  if (resolved.training.stopping && validation.indices.length === 0) {
    throw new InvalidTrainingInputError(
      'training.stopping: early stopping needs validation samples; set dataset.validationFraction > 0 or dataset.validationUri',
      'training.stopping',
    );
  }
  return {
    feed,
    ...(frozen ? { frozen } : {}),
    featureShape: frozen ? [frozen.featureDim] : features.featureShape,
    validation,
    ...(test ? { test } : {}),
    featureSeconds,
  };
}
