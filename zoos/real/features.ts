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
import { createInputAdapter } from '../../activities/training/input-adapter.js';
import {
  cutBackbone,
  loadZooModel,
  modelInputShape,
  poolGraphFeatures,
  selectFeatureLayer,
} from '../../activities/training/model-zoo.js';
import { resolveNormalisation } from '../../activities/training/resolve-input.js';
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
    // The identity runCandidateTraining gives a frozen candidate (see run-candidate-training.ts).
    const identities: FeatureCacheIdentity[] = cuts.map((cut) => ({
      weightsHash: zoo.weightsHash,
      featureLayer: cut.featureLayer,
      ...(cut.featurePooling !== 'none' ? { featurePooling: cut.featurePooling } : {}),
      normalisation,
      inputShape,
    }));
    const keys = identities.map((identity) => featureCacheKey(identity, datasetHash, indices));
    const cached = await Promise.all(keys.map((key) => readFeatureCache(store, key, indices)));
    const params =
      zoo.format === 'layers-model'
        ? zoo.model.countParams()
        : Object.values(zoo.model.weights).reduce((s, ts) => s + ts.reduce((a, t) => a + t.size, 0), 0);
    const missing = cuts.map((_, c) => c).filter((c) => cached[c] === undefined);
    if (missing.length === 0) {
      return {
        cuts: keys.map((key, c) => ({ key, featureDim: cached[c]!.featureDim, computed: false })),
        samples: source.count,
        seconds: 0,
        inputShape,
        params,
      };
    }

    // One model (or one graph execution) with an output per missing cut.
    let forward: (x: Tensor) => Tensor[];
    if (zoo.format === 'layers-model') {
      const outputs = missing.map((c) => {
        const cut = selectFeatureLayer(zoo.model, zoo.uri, cuts[c]!.featureLayer, cuts[c]!.featurePooling);
        return cutBackbone(tf, zoo.model, cut).outputs[0] as SymbolicTensor;
      });
      const multi = tf.model({ inputs: zoo.model.inputs, outputs });
      forward = (x) => {
        const out = multi.predict(x);
        return Array.isArray(out) ? out : [out];
      };
    } else {
      const graph = zoo.model;
      const nodes = missing.map((c) => cuts[c]!.featureLayer);
      forward = (x) => {
        const out = graph.execute(x, nodes);
        const list = Array.isArray(out) ? out : [out];
        return list.map((t, k) =>
          poolGraphFeatures(tf, t, cuts[missing[k]!]!.featurePooling, nodes[k]!, zoo.uri),
        );
      };
    }

    const started = performance.now();
    const buffers: Float32Array[] = [];
    const dims: number[] = [];
    for (let start = 0, batchNo = 0; start < indices.length; start += options.batchSize, batchNo++) {
      const batch = indices.slice(start, start + options.batchSize);
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
      if (batchNo % 4 === 3 || start + options.batchSize >= indices.length) {
        const done = Math.min(start + options.batchSize, indices.length);
        const rate = done / ((performance.now() - started) / 1000);
        options.log?.(`  ${done}/${indices.length} images, ${rate.toFixed(1)} img/s`);
      }
    }
    const seconds = (performance.now() - started) / 1000;
    for (const [k, c] of missing.entries()) {
      await writeFeatureCache(store, keys[c]!, {
        features: buffers[k]!,
        featureDim: dims[k]!,
        indices,
        identity: identities[c]!,
      });
    }
    return {
      cuts: keys.map((key, c) => {
        const k = missing.indexOf(c);
        return k >= 0
          ? { key, featureDim: dims[k]!, computed: true }
          : { key, featureDim: cached[c]!.featureDim, computed: false };
      }),
      samples: source.count,
      seconds,
      inputShape,
      params,
    };
  } finally {
    await source.close();
    zoo.model.dispose();
  }
}
