/**
 * Frozen-backbone features: computed once per (model weights, feature layer, dataset content,
 * normalisation, input shape, sample selection) and cached in the store under a content-addressed key
 * `features/<sha256>/<selection>.safetensors`, so later candidates and sweeps reuse them. The features are
 * held in memory while the probe trains (n × featureDim × 4 bytes).
 */
import { createHash } from 'node:crypto';
import type { Tensor } from '@tensorflow/tfjs';
import type { ArtifactStore } from '../store/artifact-store.js';
import { validateKey } from '../store/keys.js';
import type { SampleSource } from './dataset-source.js';
import { TrainingCancelledError } from './errors.js';
import type { InputAdapter } from './input-adapter.js';
import type { ResolvedNormalisation } from './resolve-input.js';
import { decodeSafetensors, encodeSafetensors } from '../formats/safetensors.js';
import type { TrainingLogger } from './types.js';
import type { Tf } from '../tf/tf-namespace.js';

/** Computes features `[n, …]` for a model-input batch (the returned tensor is the caller's). */
export type FeatureExtractor = (x: Tensor) => Tensor;

/**
 * The asynchronous counterpart of {@link FeatureExtractor}, for backbones run outside TF.js (ONNX): `x`
 * stays the caller's, the returned tensor is the caller's.
 */
export type AsyncFeatureExtractor = (x: Tensor) => Promise<Tensor>;

/** A backbone's extractor: synchronous (TF.js, run inside `tf.tidy`) or asynchronous (ONNX). */
export type Extractor =
  { kind: 'sync'; extract: FeatureExtractor } | { kind: 'async'; extract: AsyncFeatureExtractor };

export interface FeatureCacheIdentity {
  weightsHash: string;
  featureLayer: string;
  /** Global pooling of the feature layer's output; absent when none (the key is then unchanged). */
  featurePooling?: 'average' | 'max';
  normalisation: ResolvedNormalisation;
  /** Model input shape the samples were adapted to. */
  inputShape: readonly number[];
}

export interface FrozenFeatures {
  /** Row-major `[indices.length, featureDim]`. */
  features: Float32Array;
  featureDim: number;
  /** Dataset index → row of {@link features}. */
  rowOf: Map<number, number>;
  /** Store key of the cache file. */
  cacheKey: string;
  /** Whether the features came from the cache. */
  fromCache: boolean;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The cache folder for an identity and dataset content hash: `features/<sha256>/`. */
export function featureCacheFolder(identity: FeatureCacheIdentity, datasetHash: string): string {
  const key = sha256(
    JSON.stringify({
      v: 1,
      model: identity.weightsHash,
      featureLayer: identity.featureLayer,
      featurePooling: identity.featurePooling,
      dataset: datasetHash,
      normalisation: identity.normalisation,
      inputShape: identity.inputShape,
    }),
  );
  return `features/${key}/`;
}

export interface FrozenFeatureOptions {
  tf: Tf;
  store: ArtifactStore;
  source: SampleSource;
  adapt: InputAdapter;
  /** The backbone's extractor (either kind); the cache key does not depend on it. */
  extract: Extractor;
  identity: FeatureCacheIdentity;
  /** Dataset indices to compute, ascending. */
  indices: readonly number[];
  batchSize: number;
  candidateId: string;
  signal?: AbortSignal;
  log?: TrainingLogger;
}

/** The store key of the features of `indices` (ascending dataset indices) for an identity and dataset. */
export function featureCacheKey(
  identity: FeatureCacheIdentity,
  datasetHash: string,
  indices: readonly number[],
): string {
  return validateKey(
    `${featureCacheFolder(identity, datasetHash)}rows-${sha256(indices.join(',')).slice(0, 32)}.safetensors`,
  );
}

/**
 * Reads a cache entry; `undefined` when it is missing or holds other rows than `indices`.
 * @returns row-major `[indices.length, featureDim]` features.
 */
export async function readFeatureCache(
  store: ArtifactStore,
  key: string,
  indices: readonly number[],
): Promise<{ features: Float32Array; featureDim: number } | undefined> {
  if (!(await store.exists(key))) return undefined;
  const file = await decodeSafetensors(await store.get(key));
  const features = file.tensor('features');
  const cachedIndices = file.tensor('indices');
  if (!features || !cachedIndices || features.entry.shape[0] !== indices.length) return undefined;
  const stored = new Int32Array(cachedIndices.bytes.buffer, 0, cachedIndices.bytes.byteLength / 4);
  if (!stored.every((v, i) => v === indices[i])) return undefined;
  return {
    features: new Float32Array(features.bytes.buffer, 0, features.bytes.byteLength / 4),
    featureDim: features.entry.shape[1] as number,
  };
}

/** Writes a cache entry: `features` (F32 `[indices.length, featureDim]`) and `indices` (I32). */
export async function writeFeatureCache(
  store: ArtifactStore,
  key: string,
  entry: {
    features: Float32Array;
    featureDim: number;
    indices: readonly number[];
    identity: FeatureCacheIdentity;
  },
): Promise<void> {
  const { features, featureDim, indices, identity } = entry;
  const bytes = encodeSafetensors(
    [
      { name: 'features', dtype: 'F32', shape: [indices.length, featureDim], data: features },
      { name: 'indices', dtype: 'I32', shape: [indices.length], data: Int32Array.from(indices) },
    ],
    { weightsHash: identity.weightsHash, featureLayer: identity.featureLayer },
  );
  await store.put(key, bytes);
}

/** Loads the cached features or computes (and caches) them. */
export async function loadOrComputeFeatures(options: FrozenFeatureOptions): Promise<FrozenFeatures> {
  const { tf, store, source, indices } = options;
  const cacheKey = featureCacheKey(options.identity, await source.contentHash(), indices);
  const rowOf = new Map(indices.map((index, row) => [index, row]));

  if (await store.exists(cacheKey)) {
    const cached = await readFeatureCache(store, cacheKey, indices);
    if (cached) {
      options.log?.info('frozen features loaded from cache', { key: cacheKey });
      return { ...cached, rowOf, cacheKey, fromCache: true };
    }
    options.log?.warn('feature cache entry does not match the selection; recomputing', { key: cacheKey });
  }

  let features: Float32Array | undefined;
  let featureDim = 0;
  for (let start = 0; start < indices.length; start += options.batchSize) {
    if (options.signal?.aborted)
      throw new TrainingCancelledError(options.candidateId, 0, undefined, { cause: options.signal.reason });
    const batch = indices.slice(start, start + options.batchSize);
    const raw = await source.readRows(batch);
    const out = await extractFeatureRows(tf, options.extract, () => options.adapt(raw, batch.length));
    featureDim = out.featureDim;
    features ??= new Float32Array(indices.length * featureDim);
    features.set(out.rows, start * featureDim);
  }
  const all = features ?? new Float32Array(0);
  await writeFeatureCache(store, cacheKey, {
    features: all,
    featureDim,
    indices,
    identity: options.identity,
  });
  options.log?.info('frozen features computed and cached', {
    key: cacheKey,
    samples: indices.length,
    featureDim,
  });
  return { features: all, featureDim, rowOf, cacheKey, fromCache: false };
}

/**
 * The features of one batch as plain row-major values `[n, featureDim]`: `adapt` builds the model-input
 * batch (disposed here), the extractor runs on it, the result is flattened per sample and read back. What
 * {@link loadOrComputeFeatures} does per batch, and what `npm run bench:frozen` times.
 */
export async function extractFeatureRows(
  tf: Tf,
  extractor: Extractor,
  adapt: () => Tensor,
): Promise<{ rows: Float32Array; featureDim: number }> {
  const out = await extractBatch(tf, extractor, adapt);
  try {
    return { rows: (await out.data()) as Float32Array, featureDim: out.shape[1] as number };
  } finally {
    out.dispose();
  }
}

/** Features `[n, featureDim]` of one adapted batch. */
async function extractBatch(tf: Tf, extractor: Extractor, adapt: () => Tensor): Promise<Tensor> {
  if (extractor.kind === 'sync') {
    return tf.tidy(() => {
      const f = extractor.extract(adapt());
      return f.reshape([f.shape[0] as number, -1]);
    });
  }
  const x = adapt();
  let f: Tensor | undefined;
  try {
    f = await extractor.extract(x);
    const n = f.shape[0] as number;
    return f.reshape([n, -1]);
  } finally {
    x.dispose();
    f?.dispose();
  }
}
