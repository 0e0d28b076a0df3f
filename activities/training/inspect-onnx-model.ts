/**
 * Describes a loaded ONNX model as a {@link ModelInspection}: its inputs and outputs (onnxruntime exposes
 * no inner layers or shapes) and the automatic cut, its first output.
 */
import { inferenceCut } from './candidate-model.js';
import type { InspectedCut, ModelInspection } from './model-inspection.js';
import { describeOnnxModel, type LoadedOnnxModel } from './onnx-model.js';

export function inspectOnnxModel(model: LoadedOnnxModel): ModelInspection {
  const description = describeOnnxModel(model);
  let cut: InspectedCut;
  try {
    const { node, pooling } = inferenceCut(model, undefined, 'auto');
    const shape = model.outputs.find((o) => o.name === node)?.shape ?? null;
    const kept =
      shape && (pooling === 'none' ? shape.slice(1) : [shape[model.input.layout === 'NCHW' ? 1 : 3] ?? null]);
    cut = {
      layer: node,
      reason:
        "the model's first output (onnxruntime exposes an ONNX model's outputs only; model.featureLayer may name another)",
      outputShape: shape,
      pooling,
      featureDim:
        kept && kept.every((d) => d !== null) ? kept.reduce<number>((a, b) => a * (b as number), 1) : null,
    };
  } catch (error) {
    cut = { error: error instanceof Error ? error.message : String(error) };
  }
  return {
    uri: model.uri,
    format: 'onnx',
    inputs: description.inputs.map(({ name, shape, layout, dtype }) => ({ name, shape, layout, dtype })),
    outputs: description.outputs,
    layers: [],
    totalParams: null,
    cut,
  };
}
