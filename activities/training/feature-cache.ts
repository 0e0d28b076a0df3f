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
import { decodeSafetensors, encodeSafetensors } from './safetensors-file.js';
import type { Tf, TrainingLogger } from './types.js';

/** Computes features `[n, …]` for a model-input batch (the returned tensor is the caller's). */
export type FeatureExtractor = (x: Tensor) => Tensor;

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
  extract: FeatureExtractor;
  identity: FeatureCacheIdentity;
  /** Dataset indices to compute, ascending. */
  indices: readonly number[];
  batchSize: number;
  candidateId: string;
  signal?: AbortSignal;
  log?: TrainingLogger;
}

/** Loads the cached features or computes (and caches) them. */
export async function loadOrComputeFeatures(options: FrozenFeatureOptions): Promise<FrozenFeatures> {
  const { tf, store, source, indices } = options;
  const folder = featureCacheFolder(options.identity, await source.contentHash());
  const cacheKey = validateKey(`${folder}rows-${sha256(indices.join(',')).slice(0, 32)}.safetensors`);
  const rowOf = new Map(indices.map((index, row) => [index, row]));

  if (await store.exists(cacheKey)) {
    const file = await decodeSafetensors(await store.get(cacheKey));
    const features = file.tensor('features');
    const cachedIndices = file.tensor('indices');
    if (features && cachedIndices && features.entry.shape[0] === indices.length) {
      const stored = new Int32Array(cachedIndices.bytes.buffer, 0, cachedIndices.bytes.byteLength / 4);
      if (stored.every((v, i) => v === indices[i])) {
        options.log?.info('frozen features loaded from cache', { key: cacheKey });
        return {
          features: new Float32Array(features.bytes.buffer, 0, features.bytes.byteLength / 4),
          featureDim: features.entry.shape[1] as number,
          rowOf,
          cacheKey,
          fromCache: true,
        };
      }
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
    const out = tf.tidy(() => {
      const x = options.adapt(raw, batch.length);
      const f = options.extract(x);
      return f.reshape([batch.length, -1]);
    });
    try {
      featureDim = out.shape[1] as number;
      features ??= new Float32Array(indices.length * featureDim);
      features.set((await out.data()) as Float32Array, start * featureDim);
    } finally {
      out.dispose();
    }
  }
  const all = features ?? new Float32Array(0);
  const bytes = encodeSafetensors(
    [
      { name: 'features', dtype: 'F32', shape: [indices.length, featureDim], data: all },
      { name: 'indices', dtype: 'I32', shape: [indices.length], data: Int32Array.from(indices) },
    ],
    { weightsHash: options.identity.weightsHash, featureLayer: options.identity.featureLayer },
  );
  await store.put(cacheKey, bytes);
  options.log?.info('frozen features computed and cached', {
    key: cacheKey,
    samples: indices.length,
    featureDim,
  });
  return { features: all, featureDim, rowOf, cacheKey, fromCache: false };
}
