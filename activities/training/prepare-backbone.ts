/**
 * The candidate's backbone: the zoo model loaded and checked against the training mode, the image size
 * it takes, and the cut at its feature layer with the extractor that feeds the probe.
 */
import type { LayersModel, Tensor } from '@tensorflow/tfjs';
import { ONNX_FINETUNE_MESSAGE } from '../spec/model-format.js';
import {
  candidateInputShape,
  inferenceCut,
  inferenceExtractor,
  loadCandidateModel,
  type CandidateModel,
} from './candidate-model.js';
import type { CandidateRun } from './candidate-run.js';
import { IncompatibleModelError } from './errors.js';
import type { Extractor } from './feature-cache.js';
import type { ImageTarget } from './image-folder-dataset.js';
import { cutBackbone, selectFeatureLayer } from './model-zoo.js';
import type { FeaturePooling } from './types.js';

export interface LoadedBackbone {
  zoo: CandidateModel;
  /** The model's input shape without the batch dimension (`null`: any size). */
  modelShape: (number | null)[];
  /** The size image folders are decoded to. */
  imageTarget: ImageTarget;
}

export interface BackboneCut {
  /** The layer (LayersModel), node (GraphModel) or output (ONNX) whose output feeds the probe. */
  featureLayer: string;
  /** The pooling applied to its output (`'auto'` resolved): what the cache key, checkpoint and result record. */
  featurePooling: FeaturePooling;
  /** The feature shape entering the probe (empty for a GraphModel or ONNX until features are computed). */
  featureShape: number[];
  /** The LayersModel cut at `featureLayer`; absent for a GraphModel or ONNX. */
  backboneModel?: LayersModel;
  extract: Extractor;
}

/** The size image samples are decoded to for a model input shape in ncap's order. */
export const imageTargetOf = (modelShape: readonly (number | null)[]): ImageTarget => ({
  height: modelShape.length === 3 ? (modelShape[0] ?? null) : null,
  width: modelShape.length === 3 ? (modelShape[1] ?? null) : null,
  channels: modelShape.length === 3 && modelShape[2] === 1 ? 1 : 3,
});

/**
 * Loads the zoo model (held by `run` from then on).
 * @throws IncompatibleModelError for a GraphModel or ONNX model outside `frozen` mode.
 */
export async function loadBackbone(run: CandidateRun): Promise<LoadedBackbone> {
  const { resolved, tf, log } = run;
  const zoo = await loadCandidateModel(resolved.model.uri, { tf, ...run.locationDeps });
  run.held.zoo = zoo;
  if (zoo.format !== 'layers-model' && resolved.mode !== 'frozen') {
    throw new IncompatibleModelError(
      zoo.format === 'onnx'
        ? `model ${resolved.model.uri} ${ONNX_FINETUNE_MESSAGE}`
        : `model ${resolved.model.uri} is a GraphModel, whose weights cannot train; use mode 'frozen' or a LayersModel`,
      resolved.model.uri,
    );
  }
  if (zoo.format === 'layers-model' && zoo.patchedBatchNorms.length > 0) {
    log?.info('BatchNormalization layers rewritten to scale=true, gamma=1', {
      layers: zoo.patchedBatchNorms,
    });
  }
  const modelShape = candidateInputShape(zoo);
  return { zoo, modelShape, imageTarget: imageTargetOf(modelShape) };
}

/** Cuts the backbone at its feature layer (`model.featureLayer`, pooled by `model.featurePooling`). */
export function cutFeatures(run: CandidateRun, zoo: CandidateModel): BackboneCut {
  const { tf, resolved } = run;
  const { featureLayer: named, featurePooling: setting } = resolved.model;
  if (zoo.format === 'layers-model') {
    const cut = selectFeatureLayer(zoo.model, zoo.uri, named, setting);
    const backbone = cutBackbone(tf, zoo.model, cut);
    return {
      featureLayer: cut.layerName,
      featurePooling: cut.pooling,
      featureShape: cut.featureShape,
      backboneModel: backbone,
      extract: { kind: 'sync', extract: (x) => backbone.predict(x) as Tensor },
    };
  }
  // Inference-only formats (GraphModel, ONNX): frozen features, fed in the model's own layout.
  const { node, pooling } = inferenceCut(zoo, named, setting);
  const { featureLayer, extractor } = inferenceExtractor(tf, zoo, node, pooling);
  return { featureLayer, featurePooling: pooling, featureShape: [], extract: extractor };
}
