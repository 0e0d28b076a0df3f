/**
 * A candidate's model in any format ncap runs: a TF.js LayersModel or GraphModel ({@link loadZooModel}) or
 * an ONNX file (`.onnx`, {@link loadOnnxModel}); and the frozen-feature extractor of the inference-only
 * formats (GraphModel, ONNX), which feed the model in its own layout, element type and batch size.
 */
import type { Tensor } from '@tensorflow/tfjs';
import type { Extractor } from './feature-cache.js';
import { mapFixedBatches, toModelInput } from './input-layout.js';
import {
  graphFeatureCut,
  graphFeatureNode,
  graphModelInput,
  loadZooModel,
  modelInputShape,
  poolGraphFeatures,
  resolvePooling,
  type LoadedGraphModel,
  type ZooModel,
} from './model-zoo.js';
import { onnxFeatureExtractor } from './onnx-features.js';
import { isOnnxUri, loadOnnxModel, onnxFeatureOutput, type LoadedOnnxModel } from './onnx-model.js';
import type { LocationDeps } from './sources/open-location.js';
import type { Tf } from '../tf/tf-namespace.js';
import type { FeaturePooling, FeaturePoolingSetting } from './types.js';

export type CandidateModel = ZooModel | LoadedOnnxModel;

/** Loads the model at `uri`: ONNX by its `.onnx` extension, else a TF.js model. */
export function loadCandidateModel(uri: string, deps: LocationDeps & { tf: Tf }): Promise<CandidateModel> {
  return isOnnxUri(uri) ? loadOnnxModel(uri, deps) : loadZooModel(uri, deps);
}

/** Per-sample input shape in ncap's order (`[h, w, c]` or `[d]`; `null` = any size). */
export const candidateInputShape = (model: CandidateModel): (number | null)[] =>
  model.format === 'onnx' ? model.input.sampleShape : modelInputShape(model);

export async function disposeCandidateModel(model: CandidateModel): Promise<void> {
  if (model.format === 'onnx') await model.session.release();
  else model.model.dispose();
}

/**
 * Where an inference-only model is cut and the pooling applied (`'auto'`: average when the automatic cut,
 * its output, is declared 4-D).
 * @throws IncompatibleModelError when the named node or output does not exist (listing the nearest).
 */
export function inferenceCut(
  model: LoadedGraphModel | LoadedOnnxModel,
  featureLayer: string | undefined,
  setting: FeaturePoolingSetting,
): { node: string; pooling: FeaturePooling } {
  if (model.format === 'graph-model') return graphFeatureCut(model, featureLayer, setting);
  const output = onnxFeatureOutput(model, featureLayer);
  return {
    node: output.name,
    pooling: resolvePooling(setting, featureLayer === undefined, output.shape.length),
  };
}

/**
 * The frozen-feature extractor of an inference-only model cut at `featureLayer` (a GraphModel node or an
 * ONNX output; default the model's output, the first for ONNX), pooled by `pooling`.
 * @throws IncompatibleModelError when the node or output does not exist or cannot be pooled.
 */
export function inferenceExtractor(
  tf: Tf,
  model: LoadedGraphModel | LoadedOnnxModel,
  featureLayer: string | undefined,
  pooling: FeaturePooling,
): { featureLayer: string; extractor: Extractor } {
  if (model.format === 'onnx') {
    const onnx = onnxFeatureExtractor(tf, model, featureLayer, pooling);
    return { featureLayer: onnx.featureLayer, extractor: { kind: 'async', extract: onnx.extract } };
  }
  const node = graphFeatureNode(model, featureLayer);
  const input = graphModelInput(model);
  const extract = (x: Tensor): Tensor =>
    mapFixedBatches(tf, toModelInput(tf, x, input), input.batch, (batch) =>
      poolGraphFeatures(tf, model.model.execute(batch, node) as Tensor, pooling, node, model.uri),
    );
  return { featureLayer: node, extractor: { kind: 'sync', extract } };
}
