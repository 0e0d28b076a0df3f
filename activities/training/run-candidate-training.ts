/**
 * Training of one candidate (docs/design.md §1, §5): load the model and the dataset, insert the NCP
 * probe, train for the observation window (or, with `training.stopping`, to a validation plateau) writing
 * probe snapshots and per-epoch checkpoints to the store, score the test set if there is one, and write
 * `result.json`. Resumes automatically from the latest complete checkpoint of the candidate.
 */
import { createHash } from 'node:crypto';
import type { LayersModel, Optimizer, Tensor, Variable } from '@tensorflow/tfjs';
import { openStore } from '../store/open-store.js';
import { sweepKeys } from '../store/keys.js';
import { readLatestCheckpoint } from './checkpoint.js';
import { stepsForEpochs } from './epoch-steps.js';
import type { SampleSource } from './dataset-source.js';
import { openDataset } from './datasets.js';
import {
  CheckpointMismatchError,
  DatasetError,
  IncompatibleModelError,
  InvalidTrainingInputError,
} from './errors.js';
import { loadOrComputeFeatures, type FeatureExtractor, type FrozenFeatures } from './feature-cache.js';
import { frozenLogme } from './frozen-logme.js';
import { featureFeed, sampleFeed, type Feed } from './feed.js';
import type { ImageTarget } from './image-folder-dataset.js';
import { createInputAdapter } from './input-adapter.js';
import {
  cutBackbone,
  graphFeatureNode,
  loadZooModel,
  modelInputShape,
  poolGraphFeatures,
  selectFeatureLayer,
  type ZooModel,
} from './model-zoo.js';
import { createOptimizer } from './optimizer-state.js';
import { buildProbe, type Probe } from './probe.js';
import { checkSnapshotCount, resolveTrainingInput, type ResolvedTrainingInput } from './resolve-input.js';
import { writeResult } from './result.js';
import { stratifiedSplit, stratifiedSubsample } from './split.js';
import { runTrainingLoop, type EvaluationSet, type WeightHandle } from './train-loop.js';
import type { CandidateResult, CandidateTrainingInput, TrainingDeps } from './types.js';

const countParams = (weights: readonly { shape: (number | null)[] }[]): number =>
  weights.reduce((sum, w) => sum + w.shape.reduce<number>((p, d) => p * (d ?? 1), 1), 0);

/**
 * Identity of a training setup: what must not change for a checkpoint to be resumed. The epoch count is
 * left out so a longer observation window can continue a shorter one.
 */
export function trainingFingerprint(
  input: ResolvedTrainingInput,
  weightsHash: string,
  featureLayer: string,
): string {
  const { epochs: _epochs, ...training } = input.training;
  // Without pooling the identity is what it was before pooling existed, so older checkpoints still resume.
  const { featurePooling, ...model } = input.model;
  return createHash('sha256')
    .update(
      JSON.stringify({
        v: 1,
        model: {
          ...model,
          ...(featurePooling !== 'none' ? { featurePooling } : {}),
          weightsHash,
          featureLayer,
        },
        dataset: input.dataset,
        mode: input.mode,
        probe: input.probe,
        training,
      }),
    )
    .digest('hex');
}

/**
 * Trains one candidate and returns its result summary (also written to `result.json`).
 * @throws InvalidTrainingInputError, IncompatibleModelError, DatasetError, NonFiniteLossError,
 *   CheckpointMismatchError (non-retryable); TrainingCancelledError when `deps.signal` fires; store errors.
 */
export async function runCandidateTraining(
  input: CandidateTrainingInput,
  deps: TrainingDeps,
): Promise<CandidateResult> {
  const resolved = resolveTrainingInput(input);
  const { tf, store, log } = deps;
  const clock = deps.clock ?? { now: () => Date.now() };
  const startedAt = clock.now();
  const keys = sweepKeys(resolved.sweepId).candidate(resolved.candidateId);
  const locationDeps = {
    store,
    openStore: deps.openStore ?? ((uri: string) => Promise.resolve(openStore(uri))),
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  };

  let zoo: ZooModel | undefined;
  let source: SampleSource | undefined;
  const extraSources: SampleSource[] = [];
  let backboneModel: LayersModel | undefined;
  let probe: Probe | undefined;
  let optimizer: Optimizer | undefined;
  try {
    zoo = await loadZooModel(resolved.model.uri, { tf, ...locationDeps });
    if (zoo.format === 'graph-model' && resolved.mode !== 'frozen') {
      throw new IncompatibleModelError(
        `model ${resolved.model.uri} is a GraphModel, whose weights cannot train; use mode 'frozen' or a LayersModel`,
        resolved.model.uri,
      );
    }
    if (zoo.format === 'layers-model' && zoo.patchedBatchNorms.length > 0) {
      log?.info('BatchNormalization layers rewritten to scale=true, gamma=1', {
        layers: zoo.patchedBatchNorms,
      });
    }
    const modelShape = modelInputShape(zoo);
    const imageTarget: ImageTarget = {
      height: modelShape.length === 3 ? (modelShape[0] ?? null) : null,
      width: modelShape.length === 3 ? (modelShape[1] ?? null) : null,
      channels: modelShape.length === 3 && modelShape[2] === 1 ? 1 : 3,
    };
    source = await openDataset(
      {
        uri: resolved.dataset.uri,
        format: resolved.dataset.format,
        numClasses: resolved.dataset.numClasses,
        imageTarget,
      },
      locationDeps,
    );
    const { adapt, inputShape } = createInputAdapter(
      tf,
      source.sampleShape,
      source.dtype,
      modelShape,
      resolved.dataset.normalisation,
    );

    const selected = stratifiedSubsample(
      source.labels,
      resolved.dataset.maxSamples ?? source.count,
      resolved.dataset.seed,
    );
    // A separate validation set leaves every selected sample to training.
    const split = resolved.dataset.validationUri
      ? { train: selected, validation: [] }
      : stratifiedSplit(selected, source.labels, resolved.dataset.validationFraction, resolved.dataset.seed);
    if (split.train.length === 0)
      throw new DatasetError(
        'no training samples after the split; lower dataset.validationFraction',
        'dataset.validationFraction',
      );
    const stepsPerEpoch = Math.ceil(split.train.length / resolved.training.batchSize);
    checkSnapshotCount(
      stepsForEpochs(resolved.training.epochs, stepsPerEpoch),
      stepsPerEpoch,
      resolved.training.snapshotEvery,
      resolved.training.epochs,
    );

    // The backbone and what feeds the probe.
    let featureLayer: string;
    let featureShape: number[];
    let feed: Feed;
    let frozen: FrozenFeatures | undefined;
    let featureSeconds = 0;
    if (zoo.format === 'layers-model') {
      const cut = selectFeatureLayer(
        zoo.model,
        zoo.uri,
        resolved.model.featureLayer,
        resolved.model.featurePooling,
      );
      featureLayer = cut.layerName;
      featureShape = cut.featureShape;
      backboneModel = cutBackbone(tf, zoo.model, cut);
    } else {
      featureLayer = graphFeatureNode(zoo, resolved.model.featureLayer);
      featureShape = [];
    }
    const graph = zoo.format === 'graph-model' ? zoo.model : undefined;
    const backbone = backboneModel;
    const { featurePooling } = resolved.model;
    const uri = zoo.uri;
    const extract: FeatureExtractor = (x) =>
      backbone
        ? (backbone.predict(x) as Tensor)
        : poolGraphFeatures(tf, graph?.execute(x, featureLayer) as Tensor, featurePooling, featureLayer, uri);
    const frozenFeatures = (from: SampleSource, fromAdapt: typeof adapt, indices: readonly number[]) =>
      loadOrComputeFeatures({
        tf,
        store,
        source: from,
        adapt: fromAdapt,
        extract,
        identity: {
          weightsHash: zoo!.weightsHash,
          featureLayer,
          ...(featurePooling !== 'none' ? { featurePooling } : {}),
          normalisation: resolved.dataset.normalisation,
          inputShape,
        },
        indices,
        batchSize: resolved.training.batchSize,
        candidateId: resolved.candidateId,
        ...(deps.signal ? { signal: deps.signal } : {}),
        ...(log ? { log } : {}),
      });
    const featuresStarted = clock.now();
    if (resolved.mode === 'frozen') {
      frozen = await frozenFeatures(source, adapt, selected);
      featureShape = [frozen.featureDim];
      feed = featureFeed(tf, frozen.features, frozen.featureDim, frozen.rowOf, source.labels);
    } else {
      feed = sampleFeed(source, adapt);
    }

    /** A whole separate data set (validation or test), through the same input path as training's. */
    const openEvaluationSet = async (
      uri: string,
      field: 'dataset.validationUri' | 'dataset.testUri',
    ): Promise<EvaluationSet> => {
      const extra = await openDataset(
        { uri, format: resolved.dataset.format, numClasses: source!.numClasses, imageTarget },
        locationDeps,
      ).catch((error: unknown) => {
        throw error instanceof DatasetError
          ? new DatasetError(`${field}: ${error.message}`, field, { cause: error })
          : error;
      });
      extraSources.push(extra);
      const extraAdapt = createInputAdapter(
        tf,
        extra.sampleShape,
        extra.dtype,
        modelShape,
        resolved.dataset.normalisation,
      ).adapt;
      const indices = Array.from({ length: extra.count }, (_, i) => i);
      if (resolved.mode !== 'frozen') return { feed: sampleFeed(extra, extraAdapt), indices };
      const features = await frozenFeatures(extra, extraAdapt, indices);
      return {
        feed: featureFeed(tf, features.features, features.featureDim, features.rowOf, extra.labels),
        indices,
      };
    };
    const validation = resolved.dataset.validationUri
      ? await openEvaluationSet(resolved.dataset.validationUri, 'dataset.validationUri')
      : { feed, indices: split.validation };
    const test = resolved.dataset.testUri
      ? await openEvaluationSet(resolved.dataset.testUri, 'dataset.testUri')
      : undefined;
    featureSeconds = resolved.mode === 'frozen' ? (clock.now() - featuresStarted) / 1000 : 0;
    if (resolved.training.stopping && validation.indices.length === 0) {
      throw new InvalidTrainingInputError(
        'training.stopping: early stopping needs validation samples; set dataset.validationFraction > 0 or dataset.validationUri',
        'training.stopping',
      );
    }

    probe = buildProbe(tf, {
      featureShape,
      widths: resolved.probe.widths,
      numClasses: source.numClasses,
      seed: resolved.training.seed,
      trainable: resolved.probe.trainable,
    });
    const finetune = resolved.mode === 'finetune' && backboneModel !== undefined;
    const backboneWeights = finetune && backboneModel ? backboneModel.weights : [];
    const backboneTrainable = finetune && backboneModel ? backboneModel.trainableWeights : [];
    const trainable = [...backboneTrainable, ...probe.model.trainableWeights].map(
      (w) => w.read() as Variable,
    );
    const saved: WeightHandle[] = [...backboneWeights, ...probe.model.weights];
    optimizer = createOptimizer(tf, resolved.training);

    const fingerprint = trainingFingerprint(resolved, zoo.weightsHash, featureLayer);
    const checkpoint = await readLatestCheckpoint(store, keys.checkpointsPrefix, log);
    if (checkpoint && checkpoint.state.fingerprint !== fingerprint) {
      throw new CheckpointMismatchError(
        `candidate ${resolved.candidateId} has a checkpoint (${checkpoint.key}) from a different training setup; ` +
          'use a new sweepId, or delete the candidate’s checkpoints to start over',
        checkpoint.key,
      );
    }
    if (checkpoint) {
      // Snapshots past the checkpoint belong to the interrupted epoch; they are rewritten identically.
      for await (const info of store.list(keys.snapshotsPrefix)) {
        const step = Number(/(\d+)\.safetensors$/.exec(info.key)?.[1] ?? Number.NaN);
        if (step > checkpoint.state.step) await store.deletePrefix(info.key);
      }
    } else {
      await store.deletePrefix(keys.snapshotsPrefix);
    }

    const outcome = await runTrainingLoop({
      tf,
      store,
      network: { ...(finetune ? { backbone: backboneModel } : {}), probe, trainable, saved },
      optimizer,
      feed,
      split,
      validation,
      ...(test ? { test } : {}),
      numClasses: source.numClasses,
      input: resolved,
      keys,
      fingerprint,
      ...(checkpoint ? { resume: checkpoint } : {}),
      ...(deps.onProgress ? { onProgress: deps.onProgress } : {}),
      ...(deps.signal ? { signal: deps.signal } : {}),
      ...(deps.drain ? { drain: deps.drain } : {}),
      clock,
      ...(log ? { log } : {}),
    });

    // A zero-training baseline the selection benchmark compares against (frozen features only).
    const logme = frozen ? await frozenLogme(frozen, split.train, source.labels, deps.signal) : null;
    const result: CandidateResult = {
      version: 1,
      sweepId: resolved.sweepId,
      candidateId: resolved.candidateId,
      mode: resolved.mode,
      backend: tf.getBackend(),
      model: {
        uri: resolved.model.uri,
        format: zoo.format,
        featureLayer,
        ...(resolved.model.featurePooling !== 'none'
          ? { featurePooling: resolved.model.featurePooling }
          : {}),
        weightsHash: zoo.weightsHash,
        inputShape,
        featureDim: probe.kernelShapes[0]?.[0] ?? 0,
      },
      dataset: {
        numClasses: source.numClasses,
        trainSamples: split.train.length,
        valSamples: validation.indices.length,
        testSamples: test?.indices.length ?? 0,
      },
      parameters: {
        backbone: backboneModel ? countParams(backboneModel.weights) : 0,
        backboneTrainable: countParams(backboneTrainable),
        probe: countParams(probe.model.weights),
      },
      probe: {
        widths: resolved.probe.widths,
        trainable: resolved.probe.trainable,
        kernelShapes: probe.kernelShapes,
      },
      training: {
        epochs: resolved.training.epochs,
        stepsPerEpoch: outcome.stepsPerEpoch,
        totalSteps: outcome.totalSteps,
        batchSize: resolved.training.batchSize,
        optimizer: resolved.training.optimizer,
        learningRate: resolved.training.learningRate,
        snapshotEvery: resolved.training.snapshotEvery,
        seed: resolved.training.seed,
        evaluationsPerEpoch: resolved.training.evaluationsPerEpoch,
      },
      snapshots: {
        prefix: keys.snapshotsPrefix,
        steps: outcome.snapshots.steps,
        betaEff: outcome.snapshots.betaEff,
        ...(outcome.snapshots.sha256 ? { sha256: outcome.snapshots.sha256 } : {}),
      },
      epochs: outcome.history,
      evaluations: outcome.evaluations,
      ...(outcome.fullTraining ? { fullTraining: outcome.fullTraining } : {}),
      ...(outcome.test ? { test: outcome.test } : {}),
      compute: outcome.compute,
      checkpointKeys: outcome.checkpointKeys,
      resumedFromEpoch: outcome.resumedFromEpoch,
      resumedFromStep: outcome.resumedFromStep,
      ...(frozen ? { featureCacheKey: frozen.cacheKey } : {}),
      ...(frozen ? { selectionSignals: { logme } } : {}),
      timing: {
        startedAt: new Date(startedAt).toISOString(),
        finishedAt: new Date(clock.now()).toISOString(),
        featureSeconds,
        trainSeconds: outcome.trainSeconds,
      },
    };
    return await writeResult(store, keys.result, result);
  } finally {
    optimizer?.dispose();
    probe?.model.dispose();
    // The backbone shares the zoo model's layers: disposing the zoo model releases their weights.
    if (zoo) zoo.model.dispose();
    await source?.close();
    for (const extra of extraSources) await extra.close();
  }
}
