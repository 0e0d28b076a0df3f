/** Describes a loaded TF.js LayersModel or GraphModel as a {@link ModelInspection}. */
import type { DataType } from '@tensorflow/tfjs';
import {
  graphFeatureCut,
  graphOutputShape,
  selectFeatureLayer,
  type LoadedGraphModel,
  type LoadedLayersModel,
  type ZooModel,
} from './model-zoo.js';
import { tensorLayout, type Dimension, type InspectedCut, type ModelInspection } from './model-inspection.js';

const toDims = (shape: readonly (number | null | undefined)[]): Dimension[] =>
  shape.map((d) => (d === null || d === undefined || d < 0 ? null : d));

const product = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

const describeError = (error: unknown): string => (error instanceof Error ? error.message : String(error));

function inspectLayersModel(zoo: LoadedLayersModel): ModelInspection {
  const { model } = zoo;
  const layers = model.layers.map((layer) => {
    const shape = layer.outputShape;
    const single = Array.isArray(shape[0]) ? undefined : (shape as (number | null)[]);
    return {
      name: layer.name,
      kind: layer.getClassName(),
      outputShape: single ? toDims(single) : null,
      params: layer.countParams(),
    };
  });
  let cut: InspectedCut;
  try {
    const c = selectFeatureLayer(model, zoo.uri, undefined, 'auto');
    cut = {
      layer: c.layerName,
      reason: c.reason,
      outputShape: toDims(c.output.shape),
      pooling: c.pooling,
      featureDim: c.featureDim,
    };
  } catch (error) {
    cut = { error: describeError(error) };
  }
  return {
    uri: zoo.uri,
    format: 'layers-model',
    inputs: model.inputs.map((i, k) => ({
      name: model.inputLayers[k]?.name ?? i.name,
      shape: toDims(i.shape),
      dtype: i.dtype,
      layout: tensorLayout(toDims(i.shape)),
    })),
    outputs: model.outputs.map((o, k) => ({
      name: model.outputLayers[k]?.name ?? o.name,
      shape: toDims(o.shape),
      dtype: o.dtype,
    })),
    layers,
    totalParams: model.countParams(),
    cut,
  };
}

function inspectGraphModel(zoo: LoadedGraphModel): ModelInspection {
  const { model } = zoo;
  const weights = model.weights as Record<string, { shape: number[] }[]>;
  const outputShapes = new Map(
    model.outputs.map((o) => [o.name.replace(/:\d+$/, ''), graphOutputShape(model, o.name)]),
  );
  const layers = zoo.nodes.map((node) => {
    const weight = weights[node.name]?.[0];
    const shape = outputShapes.get(node.name);
    return {
      name: node.name,
      kind: node.op,
      outputShape: shape ? toDims(shape) : weight ? weight.shape : null,
      params: node.op === 'Const' && weight ? product(weight.shape) : node.op === 'Const' ? null : 0,
    };
  });
  let cut: InspectedCut;
  try {
    const c = graphFeatureCut(zoo, undefined, 'auto');
    const declared = graphOutputShape(model, c.node);
    const shape = declared ? toDims(declared) : null;
    const kept = shape && (c.pooling === 'none' ? shape.slice(1) : shape.slice(-1));
    cut = {
      layer: c.node,
      reason: c.reason,
      outputShape: shape,
      pooling: c.pooling,
      featureDim: kept && kept.every((d) => d !== null) ? product(kept as number[]) : null,
    };
  } catch (error) {
    cut = { error: describeError(error) };
  }
  const consts = layers.filter((l) => l.kind === 'Const');
  return {
    uri: zoo.uri,
    format: 'graph-model',
    inputs: model.inputs.map((i) => {
      const shape = toDims(i.shape ?? []);
      return {
        name: i.name,
        shape,
        dtype: (i.dtype as DataType | undefined) ?? 'float32',
        layout: tensorLayout(shape),
      };
    }),
    outputs: model.outputs.map((o) => ({
      name: o.name,
      shape: toDims(graphOutputShape(model, o.name) ?? []),
      dtype: (o.dtype as DataType | undefined) ?? 'float32',
    })),
    layers,
    totalParams: consts.every((l) => l.params !== null)
      ? consts.reduce((s, l) => s + (l.params ?? 0), 0)
      : null,
    cut,
  };
}

/** The inspection of a loaded TF.js model. */
export function inspectTfjsModel(zoo: ZooModel): ModelInspection {
  return zoo.format === 'layers-model' ? inspectLayersModel(zoo) : inspectGraphModel(zoo);
}
