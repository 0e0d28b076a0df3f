/**
 * One network's frozen features over one split, computed by ncap's own frozen path — the model loader, the
 * input adapter, the inference-only extractor and the feature cache a frozen candidate uses — so a sweep over
 * the zoo with the same cut and normalisation finds them in the store instead of running the backbone again.
 */
import type { ArtifactStore } from '../../activities/store/artifact-store.js';
import {
  candidateInputShape,
  disposeCandidateModel,
  inferenceExtractor,
  loadCandidateModel,
} from '../../activities/training/candidate-model.js';
import { openDataset } from '../../activities/training/datasets.js';
import { loadOrComputeFeatures } from '../../activities/training/feature-cache.js';
import { createInputAdapter } from '../../activities/training/input-adapter.js';
import { resolveNormalisation } from '../../activities/training/resolve-input.js';
import type { Tf } from '../../activities/tf/tf-namespace.js';
import type { Normalisation } from '../../activities/training/types.js';

export interface CacheFeaturesOptions {
  tf: Tf;
  store: ArtifactStore;
  /** The candidate id, for error messages. */
  id: string;
  modelUri: string;
  datasetUri: string;
  normalisation: Normalisation;
  featureLayer: string;
  featurePooling: 'none' | 'average';
  /** Samples per forward pass (a fixed-batch model is fed in its own batches inside it). @default 32 */
  batchSize?: number;
}

export interface CachedFeatures {
  /** Store key of the feature-cache entry. */
  key: string;
  featureDim: number;
  /** Whether this call computed them (else they were in the store). */
  computed: boolean;
  /** Wall seconds of loading or computing them. */
  seconds: number;
  samples: number;
  /** What the samples were adapted to, `[h, w, c]`. */
  inputShape: number[];
  /** Weights of the whole network (a GraphModel's weight tensors' elements; 0 for ONNX, counted by the build). */
  params: number;
}

/**
 * The features of every sample of `datasetUri` at the cut, from the store or computed once and stored.
 * @throws IncompatibleModelError / DatasetError from ncap's loaders when the cut or the data do not fit.
 */
export async function cacheFeatures(options: CacheFeaturesOptions): Promise<CachedFeatures> {
  const { tf, store } = options;
  const model = await loadCandidateModel(options.modelUri, { tf, store });
  try {
    if (model.format === 'layers-model')
      throw new Error(`${options.id}: the second real zoo holds inference-only models (GraphModel, ONNX)`);
    const modelShape = candidateInputShape(model);
    const source = await openDataset(
      {
        uri: options.datasetUri,
        format: 'auto',
        imageTarget: { height: null, width: null, channels: modelShape[2] === 1 ? 1 : 3 },
      },
      { store },
    );
    try {
      const normalisation = resolveNormalisation(options.normalisation);
      const { adapt, inputShape } = createInputAdapter(
        tf,
        source.sampleShape,
        source.dtype,
        modelShape,
        normalisation,
      );
      const cut = inferenceExtractor(tf, model, options.featureLayer, options.featurePooling);
      const indices = Array.from({ length: source.count }, (_, i) => i);
      const started = performance.now();
      // The identity a frozen candidate's training gives its features (training-feeds.ts).
      const features = await loadOrComputeFeatures({
        tf,
        store,
        source,
        adapt,
        extract: cut.extractor,
        identity: {
          weightsHash: model.weightsHash,
          featureLayer: cut.featureLayer,
          ...(options.featurePooling !== 'none' ? { featurePooling: options.featurePooling } : {}),
          normalisation,
          inputShape,
        },
        indices,
        batchSize: options.batchSize ?? 32,
        candidateId: options.id,
      });
      const params =
        model.format === 'graph-model'
          ? Object.values(model.model.weights).reduce((s, ts) => s + ts.reduce((a, t) => a + t.size, 0), 0)
          : 0;
      return {
        key: features.cacheKey,
        featureDim: features.featureDim,
        computed: !features.fromCache,
        seconds: (performance.now() - started) / 1000,
        samples: source.count,
        inputShape,
        params,
      };
    } finally {
      await source.close();
    }
  } finally {
    await disposeCandidateModel(model);
  }
}
