/**
 * Frozen features of every cut of one network in a single forward pass per batch, written as ncap's own
 * feature-cache entries (same key, same layout as `runCandidateTraining` in frozen mode), so a frozen sweep over
 * the zoo finds them cached instead of running each cut's backbone again.
 */
import type { SymbolicTensor, Tensor } from '@tensorflow/tfjs';
import type { ArtifactStore } from '../../activities/store/artifact-store.js';
import { openDataset } from '../../activities/training/datasets.js';
import {
  featureCacheKey,
  readFeatureCache,
  writeFeatureCache,
  type FeatureCacheIdentity,
} from '../../activities/training/feature-cache.js';
import type { SampleSource } from '../../activities/training/dataset-source.js';
import { createInputAdapter, type InputAdapter } from '../../activities/training/input-adapter.js';
import {
  cutBackbone,
  loadZooModel,
  modelInputShape,
  poolGraphFeatures,
  selectFeatureLayer,
  type ZooModel,
} from '../../activities/training/model-zoo.js';
import { resolveNormalisation, type ResolvedNormalisation } from '../../activities/training/resolve-input.js';
import type { Tf } from '../../activities/tf/tf-namespace.js';
import type { FeaturePooling, Normalisation } from '../../activities/training/types.js';

export interface FeatureCutSpec {
  featureLayer: string;
  featurePooling: FeaturePooling;
}

export interface CutFeatures {
  /** Store key of the cache entry. */
  key: string;
  featureDim: number;
  /** Whether this call computed it (else it was already cached). */
  computed: boolean;
}

export interface NetworkFeatures {
  cuts: CutFeatures[];
  samples: number;
  /** Wall time of the forward passes; 0 when everything was cached. */
  seconds: number;
  /** Model input shape the samples were resized to. */
  inputShape: number[];
  /** Parameters of the whole network. */
  params: number;
}

export interface ExtractOptions {
  tf: Tf;
  store: ArtifactStore;
  modelUri: string;
  datasetUri: string;
  normalisation: Normalisation;
  cuts: readonly FeatureCutSpec[];
  batchSize: number;
  /** Progress lines (every few batches). */
  log?: (line: string) => void;
}

/**
 * Features of every sample of `datasetUri` at every cut, from the cache or computed in one pass.
 * @throws IncompatibleModelError / DatasetError from ncap's loaders when a cut or the data do not fit.
 */
export async function extractNetworkFeatures(options: ExtractOptions): Promise<NetworkFeatures> {
  const { tf, store, cuts } = options;
  const zoo = await loadZooModel(options.modelUri, { tf, store });
  const source = await openDataset(
    { uri: options.datasetUri, format: 'auto', imageTarget: { height: null, width: null, channels: 3 } },
    { store },
  );
  try {
    const normalisation = resolveNormalisation(options.normalisation);
    const { adapt, inputShape } = createInputAdapter(
      tf,
      source.sampleShape,
      source.dtype,
      modelInputShape(zoo),
      normalisation,
    );
    const indices = Array.from({ length: source.count }, (_, i) => i);
    const datasetHash = await source.contentHash();
    const identities = cutIdentities(zoo, cuts, normalisation, inputShape);
    const keys = identities.map((identity) => featureCacheKey(identity, datasetHash, indices));
    const cached = await Promise.all(keys.map((key) => readFeatureCache(store, key, indices)));
    const params = networkParams(zoo);
    const missing = cuts.map((_, c) => c).filter((c) => cached[c] === undefined);
    const result = (seconds: number, computedDims: readonly number[] = []): NetworkFeatures => ({
      cuts: cutFeatures({ keys, cached, missing, computedDims }),
      samples: source.count,
      seconds,
      inputShape,
      params,
    });
    if (missing.length === 0) return result(0);

    const forward = multiCutForward(tf, zoo, cuts, missing);
    const passes = await forwardPasses({
      tf,
      source,
      adapt,
      forward,
      indices,
      batchSize: options.batchSize,
      log: options.log,
    });
    for (const [k, c] of missing.entries()) {
      await writeFeatureCache(store, keys[c]!, {
        features: passes.buffers[k]!,
        featureDim: passes.dims[k]!,
        indices,
        identity: identities[c]!,
      });
    }
    return result(passes.seconds, passes.dims);
  } finally {
    await source.close();
    zoo.model.dispose();
  }
}

/** Each cut's cache key and width, as computed now (the `missing` cuts, in that order) or found cached. */
function cutFeatures(input: {
  keys: readonly string[];
  cached: readonly ({ featureDim: number } | undefined)[];
  missing: readonly number[];
  computedDims: readonly number[];
}): CutFeatures[] {
  return input.keys.map((key, c) => {
    const k = input.missing.indexOf(c);
    return k >= 0
      ? { key, featureDim: input.computedDims[k]!, computed: true }
      : { key, featureDim: input.cached[c]!.featureDim, computed: false };
  });
}

/** The identity runCandidateTraining gives a frozen candidate at each cut (see run-candidate-training.ts). */
function cutIdentities(
  zoo: ZooModel,
  cuts: readonly FeatureCutSpec[],
  normalisation: ResolvedNormalisation,
  inputShape: number[],
): FeatureCacheIdentity[] {
  return cuts.map((cut) => ({
    weightsHash: zoo.weightsHash,
    featureLayer: cut.featureLayer,
    ...(cut.featurePooling !== 'none' ? { featurePooling: cut.featurePooling } : {}),
    normalisation,
    inputShape,
  }));
}

/** Parameters of the whole network. */
function networkParams(zoo: ZooModel): number {
  return zoo.format === 'layers-model'
    ? zoo.model.countParams()
    : Object.values(zoo.model.weights).reduce((s, ts) => s + ts.reduce((a, t) => a + t.size, 0), 0);
}

/** One model (or one graph execution) with an output per missing cut. */
function multiCutForward(
  tf: Tf,
  zoo: ZooModel,
  cuts: readonly FeatureCutSpec[],
  missing: readonly number[],
): (x: Tensor) => Tensor[] {
  if (zoo.format === 'layers-model') {
    const outputs = missing.map((c) => {
      const cut = selectFeatureLayer(zoo.model, zoo.uri, cuts[c]!.featureLayer, cuts[c]!.featurePooling);
      return cutBackbone(tf, zoo.model, cut).outputs[0] as SymbolicTensor;
    });
    const multi = tf.model({ inputs: zoo.model.inputs, outputs });
    return (x) => {
      const out = multi.predict(x);
      return Array.isArray(out) ? out : [out];
    };
  }
  const graph = zoo.model;
  const nodes = missing.map((c) => cuts[c]!.featureLayer);
  return (x) => {
    const out = graph.execute(x, nodes);
    const list = Array.isArray(out) ? out : [out];
    return list.map((t, k) =>
      poolGraphFeatures(tf, t, cuts[missing[k]!]!.featurePooling, nodes[k]!, zoo.uri),
    );
  };
}

/** What the forward passes computed: per output, every sample's flattened features and their width. */
interface ForwardPasses {
  buffers: Float32Array[];
  dims: number[];
  /** Wall time of the passes. */
  seconds: number;
}

/** Runs `forward` over every sample in batches, logging progress every four batches. */
async function forwardPasses(input: {
  tf: Tf;
  source: SampleSource;
  adapt: InputAdapter;
  forward: (x: Tensor) => Tensor[];
  indices: readonly number[];
  batchSize: number;
  log?: (line: string) => void;
}): Promise<ForwardPasses> {
  const { tf, source, adapt, forward, indices, batchSize } = input;
  const started = performance.now();
  const buffers: Float32Array[] = [];
  const dims: number[] = [];
  for (let start = 0, batchNo = 0; start < indices.length; start += batchSize, batchNo++) {
    const batch = indices.slice(start, start + batchSize);
    const raw = await source.readRows(batch);
    const outs = tf.tidy(() => forward(adapt(raw, batch.length)).map((f) => f.reshape([batch.length, -1])));
    try {
      for (const [k, out] of outs.entries()) {
        const dim = out.shape[1] as number;
        dims[k] ??= dim;
        buffers[k] ??= new Float32Array(indices.length * dim);
        buffers[k].set((await out.data()) as Float32Array, start * dim);
      }
    } finally {
      for (const out of outs) out.dispose();
    }
    if (batchNo % 4 === 3 || start + batchSize >= indices.length) {
      const done = Math.min(start + batchSize, indices.length);
      const rate = done / ((performance.now() - started) / 1000);
      input.log?.(`  ${done}/${indices.length} images, ${rate.toFixed(1)} img/s`);
    }
  }
  return { buffers, dims, seconds: (performance.now() - started) / 1000 };
}
